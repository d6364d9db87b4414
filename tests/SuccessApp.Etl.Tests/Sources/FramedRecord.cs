using System.Text;
using SuccessApp.Etl.Sources;

namespace SuccessApp.Etl.Tests.Sources;

/// <summary>A frame copied out of the framer's buffer, so tests can compare whole runs.</summary>
internal sealed record FramedRecord(RecordFrameStatus Status, string Text, long Ordinal, long Line, long ByteOffset, long Length)
{
    public static FramedRecord From(in RecordFrame frame) =>
        new(frame.Status, Encoding.UTF8.GetString(frame.Bytes), frame.Ordinal, frame.Line, frame.ByteOffset, frame.Length);

    public override string ToString() => $"{Status} #{Ordinal} line {Line} @{ByteOffset}+{Length}: {Text}";
}

internal static class Framing
{
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static List<FramedRecord> ReadAll(Stream stream, RecordFramerOptions? options = null)
    {
        var list = ReadAll(stream, options, out var framer);
        framer.Dispose();
        return list;
    }

    public static List<FramedRecord> ReadAll(Stream stream, RecordFramerOptions? options, out RecordFramer framerAfterEnd)
    {
        var list = new List<FramedRecord>();
        var framer = new RecordFramer(stream, options);
        while (framer.TryReadNext(out var frame))
        {
            list.Add(FramedRecord.From(frame));
        }
        // Reading past the end keeps answering false.
        Assert.False(framer.TryReadNext(out _));
        framerAfterEnd = framer;
        return list;
    }

    public static List<FramedRecord> ReadAll(byte[] input, RecordFramerOptions? options = null) =>
        ReadAll(new MemoryStream(input, writable: false), options);

    public static async Task<List<FramedRecord>> ReadAllAsync(Stream stream, RecordFramerOptions? options = null)
    {
        var list = new List<FramedRecord>();
        using var framer = new RecordFramer(stream, options);
        while (await framer.ReadNextAsync())
        {
            list.Add(FramedRecord.From(framer.Current));
        }
        return list;
    }

    public static string Envelope(RecordFramer framer) => Encoding.UTF8.GetString(framer.Envelope.Span);

    /// <summary>Every Ok frame's bytes must be exactly the input at its offset, and its line the line of that offset.</summary>
    public static void AssertPositionsMatch(byte[] input, IEnumerable<FramedRecord> frames)
    {
        var ordinal = 0L;
        foreach (var f in frames)
        {
            Assert.Equal(ordinal++, f.Ordinal);
            if (f.Status == RecordFrameStatus.TooLarge)
            {
                continue;
            }
            var offset = checked((int)f.ByteOffset);
            var expectedText = Encoding.UTF8.GetString(input, offset, checked((int)f.Length));
            if (f.Status == RecordFrameStatus.Ok)
            {
                Assert.Equal(expectedText, f.Text);
            }
            Assert.Equal(1 + input.AsSpan(0, offset).Count((byte)'\n'), f.Line);
        }
    }
}
