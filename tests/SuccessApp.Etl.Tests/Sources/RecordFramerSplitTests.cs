using System.Text;
using System.Text.Json;
using SuccessApp.Etl.Sources;
using static SuccessApp.Etl.Tests.Sources.Framing;

namespace SuccessApp.Etl.Tests.Sources;

/// <summary>
/// The framer must cut the same records whatever the buffer size and wherever reads split the input: every
/// buffer size from 1 to 64 bytes is tried against every split point of each sample.
/// </summary>
public sealed class RecordFramerSplitTests
{
    // The first record has a "data" array, so Auto must look past it to see NDJSON and not an envelope.
    internal static readonly string NdjsonSample =
        "{\"id\":1,\"data\":[{\"x\":\"]\"}],\"name\":\"a [tricky] {string}\",\"tags\":[\"x\",\"y\"]}\n"
        + """{"id":2,"s":"quote \" and backslash \\ and \\\" end \\","n":[[1,2],[3,[4]]]}""" + "\n"
        + "\n"
        + "   {\"id\":3,\"u\":\"ünïcødé ✓ 🙂\",\"empty\":{},\"e\":[]}   \r\n"
        + """{"id":4,"esc":"\\\\","br":"}]","q":"\"{\""}""" + "\r\n"
        + "\t\r\n"
        + "[1,2,{\"a\":[3]}]\n"
        + "\"just a string with a \\\" quote\"\n"
        + "42\n"
        + "{\"id\":5}";

    internal static readonly string ArraySample =
        "\n[\n  {\"id\":1,\"name\":\"a [tricky] {string}\",\"tags\":[\"x\",\"y\"]} ,\n"
        + """  {"id":2,"s":"quote \" and backslash \\ and \\\" end","n":[[1,2],[3,[4]]]},{"id":3}""" + "\n"
        + "  ,  \"str]ing\\\\\", 12.5e3, true,null, [[], {}],\r\n"
        + "  {\"deep\":{\"a\":{\"b\":{\"c\":[{\"d\":\"}\"}]}}},\"ü\":\"✓\"}\n]\n";

    // Pretty-printed, with members before the records (one of them holding a "data" key of its own).
    internal static readonly string PagesSample =
        "{\n  \"links\": {\"data\": [9, 9], \"self\": \"/v1/deals?page=1\"},\n"
        + "  \"note\": \"has \\\"data\\\": [1,2] inside a string\",\n"
        + "  \"data\": [\n"
        + "    {\"id\": 1, \"data\": [{\"x\": \"]\"}]},\n"
        + "    {\"id\": 2, \"s\": \"\\\\\\\"}\"}\n"
        + "  ],\n"
        + "  \"meta\": {\"next_cursor\": \"abc\", \"total\": 1234}\n}\n";

    internal static readonly string PagesSampleEnvelope =
        "{\n  \"links\": {\"data\": [9, 9], \"self\": \"/v1/deals?page=1\"},\n"
        + "  \"note\": \"has \\\"data\\\": [1,2] inside a string\",\n"
        + "  \"data\": []"
        + ",\n  \"meta\": {\"next_cursor\": \"abc\", \"total\": 1234}\n}";

    // Compact and on one line, so Auto can only tell it from an NDJSON record by reaching its end.
    internal static readonly string CompactPagesSample =
        """{"data":[{"id":"a"},{"id":"b","t":[[],[{}]]},"c",3],"meta":{"next_cursor":"x","total":1234}}""";

    internal const string CompactPagesEnvelope = """{"data":[],"meta":{"next_cursor":"x","total":1234}}""";

    public static TheoryData<string, RecordFormat> Samples() => new()
    {
        { nameof(NdjsonSample), RecordFormat.Ndjson },
        { nameof(NdjsonSample), RecordFormat.Auto },
        { nameof(ArraySample), RecordFormat.JsonArray },
        { nameof(ArraySample), RecordFormat.Auto },
        { nameof(PagesSample), RecordFormat.Pages },
        { nameof(PagesSample), RecordFormat.Auto },
        { nameof(CompactPagesSample), RecordFormat.Pages },
        { nameof(CompactPagesSample), RecordFormat.Auto },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void OneReadMatchesSystemTextJson(string sample, RecordFormat format)
    {
        var input = Bytes(sample);
        var frames = ReadAll(new MemoryStream(input), new RecordFramerOptions { Format = format }, out var framer);
        using (framer)
        {
            Assert.Equal(ExpectedFormat(sample), framer.Format);
            Assert.Equal(Oracle(sample), frames.Select(f => f.Text));
            Assert.All(frames, f => Assert.Equal(RecordFrameStatus.Ok, f.Status));
            AssertPositionsMatch(input, frames);
            Assert.Equal(input.Length, framer.BytesRead);
            Assert.Equal(frames.Count, framer.RecordsFramed);
            Assert.Equal(ExpectedEnvelope(sample), Envelope(framer));
            Assert.Equal(ExpectedEnvelope(sample).Length > 0, framer.IsEnvelopeComplete);
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void EveryBufferSizeAndEverySplitPointGivesTheSameFrames(string sample, RecordFormat format)
    {
        var input = Bytes(sample);
        var expected = ReadAll(new MemoryStream(input), new RecordFramerOptions { Format = format });
        for (var size = 1; size <= 64; size++)
        {
            var options = new RecordFramerOptions { Format = format, InitialBufferBytes = size };
            for (var split = 0; split <= input.Length; split++)
            {
                var frames = ReadAll(ChunkedStream.SplitAt(input, split), options, out var framer);
                using (framer)
                {
                    AssertSameFrames(expected, frames, $"buffer {size}, split at {split}");
                    Assert.Equal(ExpectedEnvelope(sample), Envelope(framer));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void OneByteReadsWithEveryBufferSizeGiveTheSameFrames(string sample, RecordFormat format)
    {
        var input = Bytes(sample);
        var expected = ReadAll(new MemoryStream(input), new RecordFramerOptions { Format = format });
        for (var size = 1; size <= 64; size++)
        {
            var frames = ReadAll(ChunkedStream.Pieces(input, 1), new RecordFramerOptions { Format = format, InitialBufferBytes = size });
            AssertSameFrames(expected, frames, $"buffer {size}, one byte per read");
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task AsyncReadsGiveTheSameFrames(string sample, RecordFormat format)
    {
        var input = Bytes(sample);
        var expected = ReadAll(new MemoryStream(input), new RecordFramerOptions { Format = format });
        foreach (var (size, piece) in new[] { (1, 1), (5, 3), (16, 7), (64, 64), (65536, 1000) })
        {
            var options = new RecordFramerOptions { Format = format, InitialBufferBytes = size };
            AssertSameFrames(expected, await ReadAllAsync(ChunkedStream.Pieces(input, piece, yieldOnAsync: true), options), $"async, buffer {size}");
            AssertSameFrames(expected, await ReadAllAsync(new MemoryStream(input), options), $"async over MemoryStream, buffer {size}");
        }
    }

    public static TheoryData<RecordFormat, string> CappedSamples() => new()
    {
        { RecordFormat.Ndjson, "{\"id\":1}\n{\"id\":\"big\",\"s\":\"" + new string('{', 90) + "\\\"\"}\n{bad\n{\"id\":2}" },
        { RecordFormat.JsonArray, "[{\"id\":1},{\"id\":\"big\",\"a\":[[" + new string('"', 2) + "," + string.Join(",", Enumerable.Repeat("\"]\\\\\"", 12)) + "]]},{\"id\":2},{\"cut\":" },
        { RecordFormat.Pages, "{\"m\":1,\"data\":[{\"id\":1},{\"id\":\"big\",\"s\":\"" + new string(']', 90) + "\"},{\"id\":2}],\"next\":\"c\"}" },
    };

    [Theory]
    [MemberData(nameof(CappedSamples))]
    public void RecordsOverTheCapAreSkippedTheSameWayAtEverySplitPoint(RecordFormat format, string text)
    {
        var input = Utf8(text);
        var expected = ReadAll(new MemoryStream(input), new RecordFramerOptions { Format = format, MaxRecordBytes = 64, InitialBufferBytes = 64, PreviewBytes = 9 });
        Assert.Contains(expected, f => f.Status == RecordFrameStatus.TooLarge && f.Text.StartsWith("{\"id\":\"bi", StringComparison.Ordinal));
        Assert.Equal(2, expected.Count(f => f.Status == RecordFrameStatus.Ok));
        for (var size = 1; size <= 64; size += 3)
        {
            var options = new RecordFramerOptions { Format = format, MaxRecordBytes = 64, InitialBufferBytes = size, PreviewBytes = 9 };
            for (var split = 0; split <= input.Length; split++)
            {
                AssertSameFrames(expected, ReadAll(ChunkedStream.SplitAt(input, split), options), $"buffer {size}, split at {split}");
            }
            AssertSameFrames(expected, ReadAll(ChunkedStream.Pieces(input, 1), options), $"buffer {size}, one byte per read");
        }
    }

    private static void AssertSameFrames(List<FramedRecord> expected, List<FramedRecord> actual, string because)
    {
        if (!expected.SequenceEqual(actual))
        {
            Assert.Fail($"{because}:\nexpected\n  {string.Join("\n  ", expected)}\nactual\n  {string.Join("\n  ", actual)}");
        }
    }

    private static byte[] Bytes(string sample) => sample switch
    {
        // Led by a UTF-8 byte-order mark, which the framer must step over.
        nameof(CompactPagesSample) => [0xEF, 0xBB, 0xBF, .. Utf8(CompactPagesSample)],
        _ => Utf8(Text(sample)),
    };

    private static string Text(string sample) => sample switch
    {
        nameof(NdjsonSample) => NdjsonSample,
        nameof(ArraySample) => ArraySample,
        nameof(PagesSample) => PagesSample,
        _ => CompactPagesSample,
    };

    private static RecordFormat ExpectedFormat(string sample) => sample switch
    {
        nameof(NdjsonSample) => RecordFormat.Ndjson,
        nameof(ArraySample) => RecordFormat.JsonArray,
        _ => RecordFormat.Pages,
    };

    private static string ExpectedEnvelope(string sample) => sample switch
    {
        nameof(PagesSample) => PagesSampleEnvelope,
        nameof(CompactPagesSample) => CompactPagesEnvelope,
        _ => "",
    };

    // What System.Text.Json sees as the records, as raw text.
    private static List<string> Oracle(string sample)
    {
        var text = Text(sample);
        if (sample == nameof(NdjsonSample))
        {
            var lines = text.Split('\n').Select(l => l.Trim(' ', '\t', '\r')).Where(l => l.Length > 0).ToList();
            Assert.All(lines, l => JsonDocument.Parse(l).Dispose());
            return lines;
        }
        using var doc = JsonDocument.Parse(text);
        var array = sample == nameof(ArraySample) ? doc.RootElement : doc.RootElement.GetProperty("data");
        return [.. array.EnumerateArray().Select(e => e.GetRawText())];
    }
}
