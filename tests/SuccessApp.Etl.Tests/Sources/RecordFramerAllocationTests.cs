using Xunit.Abstractions;
using System.Text;
using SuccessApp.Etl.Sources;

namespace SuccessApp.Etl.Tests.Sources;

/// <summary>
/// Framing must not allocate per record: what one framing run allocates (the framer object, its pointer
/// tokens) may not grow with the number of records. Compared between 10k and 100k records, not timed.
/// </summary>
public sealed class RecordFramerAllocationTests(ITestOutputHelper output)
{
    private const int Small = 10_000;
    private const int Large = 100_000;
    private const int Slack = 16 * 1024;

    public static TheoryData<RecordFormat> Formats() => [RecordFormat.Ndjson, RecordFormat.JsonArray, RecordFormat.Pages, RecordFormat.Auto];

    [Theory]
    [MemberData(nameof(Formats))]
    public void AllocatedBytesDoNotGrowWithRecordCount(RecordFormat format)
    {
        var small = Build(format, Small);
        var large = Build(format, Large);
        // Warm-up: JIT, tiering and the array pool's first rentals.
        for (var i = 0; i < 3; i++)
        {
            FrameAll(small, format);
            FrameAll(large, format);
        }

        var smallBytes = long.MaxValue;
        var largeBytes = long.MaxValue;
        // The least of three runs each, so a one-off runtime allocation on this thread does not count.
        for (var i = 0; i < 3; i++)
        {
            smallBytes = Math.Min(smallBytes, Measure(small, format, Small));
            largeBytes = Math.Min(largeBytes, Measure(large, format, Large));
        }
        output.WriteLine($"{format}: {smallBytes} bytes allocated for {Small} records, {largeBytes} for {Large}");

        // One object per record would add at least 24 bytes x 90,000 records; the slack only absorbs noise.
        Assert.True(largeBytes <= smallBytes + Slack, $"{format}: {smallBytes} bytes for {Small} records, {largeBytes} for {Large}");
    }

    [Fact]
    public async Task AsyncOverACompletedStreamDoesNotGrowWithRecordCount()
    {
        var small = Build(RecordFormat.Ndjson, Small);
        var large = Build(RecordFormat.Ndjson, Large);
        await FrameAllAsync(small);
        await FrameAllAsync(large);

        // Awaiting only completed ValueTasks keeps the work on this thread, so the counter sees all of it.
        var smallBytes = long.MaxValue;
        var largeBytes = long.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            Assert.Equal(Small, await FrameAllAsync(small));
            smallBytes = Math.Min(smallBytes, GC.GetAllocatedBytesForCurrentThread() - before);
            before = GC.GetAllocatedBytesForCurrentThread();
            Assert.Equal(Large, await FrameAllAsync(large));
            largeBytes = Math.Min(largeBytes, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        output.WriteLine($"async: {smallBytes} bytes allocated for {Small} records, {largeBytes} for {Large}");
        Assert.True(largeBytes <= smallBytes + Slack, $"{smallBytes} bytes for {Small} records, {largeBytes} for {Large}");
    }

    private static long Measure(MemoryStream input, RecordFormat format, int expected)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var count = FrameAll(input, format);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(expected, count);
        return allocated;
    }

    private static int FrameAll(MemoryStream input, RecordFormat format)
    {
        input.Position = 0;
        using var framer = new RecordFramer(input, new RecordFramerOptions { Format = format });
        var count = 0;
        long checksum = 0;
        while (framer.TryReadNext(out var frame))
        {
            checksum += frame.Bytes[^1];
            count++;
        }
        return checksum > 0 ? count : -1;
    }

    private static async ValueTask<int> FrameAllAsync(MemoryStream input)
    {
        input.Position = 0;
        using var framer = new RecordFramer(input, new RecordFramerOptions { Format = RecordFormat.Ndjson });
        var count = 0;
        while (await framer.ReadNextAsync())
        {
            count++;
        }
        return count;
    }

    private static MemoryStream Build(RecordFormat format, int records)
    {
        var sb = new StringBuilder();
        var pages = format is RecordFormat.Pages or RecordFormat.Auto;
        sb.Append(format == RecordFormat.JsonArray ? "[" : pages ? "{\"meta\":{\"page\":1},\"data\":[\n" : "");
        for (var i = 0; i < records; i++)
        {
            if (i > 0 && format != RecordFormat.Ndjson)
            {
                sb.Append(",\n");
            }
            sb.Append("{\"id\":").Append(i).Append(",\"name\":\"deal \\\"").Append(i).Append("\\\"\",\"tags\":[\"a\",\"b\"],\"result\":{\"id\":null}}");
            if (format == RecordFormat.Ndjson)
            {
                sb.Append('\n');
            }
        }
        sb.Append(format == RecordFormat.JsonArray ? "]" : pages ? "],\"meta2\":{\"next_cursor\":\"abc\"}}" : "");
        return new MemoryStream(Encoding.UTF8.GetBytes(sb.ToString()), writable: false);
    }
}
