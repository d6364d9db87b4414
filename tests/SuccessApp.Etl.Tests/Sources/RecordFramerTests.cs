using System.Text;
using SuccessApp.Etl.Sources;
using static SuccessApp.Etl.Tests.Sources.Framing;

namespace SuccessApp.Etl.Tests.Sources;

public sealed class RecordFramerTests
{
    private static readonly RecordFramerOptions Ndjson = new() { Format = RecordFormat.Ndjson };
    private static readonly RecordFramerOptions JsonArray = new() { Format = RecordFormat.JsonArray };
    private static readonly RecordFramerOptions Pages = new() { Format = RecordFormat.Pages };

    [Fact]
    public void NdjsonSkipsBlankLinesAndNumbersLinesFromOne()
    {
        var frames = ReadAll(Utf8("{\"a\":1}\n\n  \r\n\t{\"b\":2}  \r\n{\"c\":3}"), Ndjson);

        Assert.Equal(
            [
                new(RecordFrameStatus.Ok, "{\"a\":1}", 0, 1, 0, 7),
                new(RecordFrameStatus.Ok, "{\"b\":2}", 1, 4, 14, 7),
                new(RecordFrameStatus.Ok, "{\"c\":3}", 2, 5, 25, 7),
            ],
            frames);
    }

    [Fact]
    public void NdjsonInvalidLinesAreReportedAndTheFollowingLinesStillArrive()
    {
        var input = "{\"ok\":1}\n"
            + "{\"truncated\":\"abc\n"      // the line ends inside a string
            + "{\"a\":1}}\n"                // closes more than it opened
            + "{\"a\":[1}\n"                // closes with the wrong bracket
            + "{\"a\":1} {\"b\":2}\n"       // two values on one line
            + "}\n"
            + "tru e\n"
            + "garbage\n"
            + "{\"ok\":2}\n"
            + "{\"cut\":[1,2";              // the file ends mid-record
        var frames = ReadAll(Utf8(input), Ndjson);

        Assert.Equal(
            [
                (RecordFrameStatus.Ok, "{\"ok\":1}", 1L),
                (RecordFrameStatus.Invalid, "{\"truncated\":\"abc", 2L),
                (RecordFrameStatus.Invalid, "{\"a\":1}}", 3L),
                (RecordFrameStatus.Invalid, "{\"a\":[1}", 4L),
                (RecordFrameStatus.Invalid, "{\"a\":1} {\"b\":2}", 5L),
                (RecordFrameStatus.Invalid, "}", 6L),
                (RecordFrameStatus.Invalid, "tru e", 7L),
                (RecordFrameStatus.Invalid, "garbage", 8L),
                (RecordFrameStatus.Ok, "{\"ok\":2}", 9L),
                (RecordFrameStatus.Invalid, "{\"cut\":[1,2", 10L),
            ],
            frames.Select(f => (f.Status, f.Text, f.Line)));
        AssertPositionsMatch(Utf8(input), frames);
    }

    [Fact]
    public void NdjsonInvalidLineKeepsItsRawBytesWithoutTheLineBreak()
    {
        var frames = ReadAll(Utf8("{\"a\":\r\n{\"b\":1}\r\n"), Ndjson);

        Assert.Equal(RecordFrameStatus.Invalid, frames[0].Status);
        Assert.Equal("{\"a\":", frames[0].Text);
        Assert.Equal(RecordFrameStatus.Ok, frames[1].Status);
        Assert.Equal(2, frames[1].Line);
    }

    [Fact]
    public void NdjsonLineLargerThanTheCapIsSkippedAndReportedWithItsStart()
    {
        var big = "{\"id\":\"big-1\",\"pad\":\"" + new string('x', 500) + "\"}";
        var input = Utf8("{\"id\":1}\n" + big + "\n{\"id\":2}\n");
        var options = new RecordFramerOptions { Format = RecordFormat.Ndjson, InitialBufferBytes = 16, MaxRecordBytes = 64, PreviewBytes = 20 };

        var frames = ReadAll(new MemoryStream(input), options, out var framer);

        Assert.Equal(
            [
                new(RecordFrameStatus.Ok, "{\"id\":1}", 0, 1, 0, 8),
                new(RecordFrameStatus.TooLarge, big[..20], 1, 2, 9, big.Length),
                new(RecordFrameStatus.Ok, "{\"id\":2}", 2, 3, 10 + big.Length, 8),
            ],
            frames);
        Assert.Equal(1, framer.TooLargeRecords);
        // Growth stopped at the cap, and the buffer went back to its first size after the huge line.
        Assert.Equal(16, framer.BufferBytes);
        framer.Dispose();
    }

    [Fact]
    public void ArrayRecordOfExactlyTheCapFitsAndOneByteMoreDoesNot()
    {
        var options = new RecordFramerOptions { Format = RecordFormat.JsonArray, InitialBufferBytes = 16, MaxRecordBytes = 32 };
        var fits = "{\"s\":\"" + new string('a', 24) + "\"}";
        var over = "{\"s\":\"" + new string('a', 25) + "\"}";
        Assert.Equal(32, fits.Length);

        var frames = ReadAll(ChunkedStream.Pieces(Utf8("[" + fits + "," + over + "]"), 7), options);

        Assert.Equal([RecordFrameStatus.Ok, RecordFrameStatus.TooLarge], frames.Select(f => f.Status));
        Assert.Equal(fits, frames[0].Text);
        Assert.Equal(33, frames[1].Length);
    }

    [Fact]
    public void NdjsonLineMustBeShorterThanTheCap()
    {
        var options = new RecordFramerOptions { Format = RecordFormat.Ndjson, InitialBufferBytes = 16, MaxRecordBytes = 32 };
        var fits = "{\"s\":\"" + new string('a', 23) + "\"}";
        var over = "{\"s\":\"" + new string('a', 24) + "\"}";

        var frames = ReadAll(Utf8(fits + "\n" + over + "\n" + over), options);

        // A line must be shorter than the cap even when it ends the stream, so the verdict never depends on
        // how the reads happened to fall.
        Assert.Equal([RecordFrameStatus.Ok, RecordFrameStatus.TooLarge, RecordFrameStatus.TooLarge], frames.Select(f => f.Status));
        Assert.Equal([31L, 32L, 32L], frames.Select(f => f.Length));
        Assert.Equal([1L, 2L, 3L], frames.Select(f => f.Line));
        foreach (var piece in new[] { 1, 5, 31, 32, 33, 100 })
        {
            Assert.Equal(frames, ReadAll(ChunkedStream.Pieces(Utf8(fits + "\n" + over + "\n" + over), piece), options));
        }
    }

    [Fact]
    public void RecordThatFitsAfterGrowingIsReturnedWholeAndTheBufferShrinksBack()
    {
        var big = "{\"pad\":\"" + new string('y', 3000) + "\"}";
        var input = Utf8("[{\"id\":1}," + big + ",{\"id\":2},{\"id\":3}]");
        var options = new RecordFramerOptions { Format = RecordFormat.JsonArray, InitialBufferBytes = 64, MaxRecordBytes = 4096 };
        var framer = new RecordFramer(ChunkedStream.Pieces(input, 16), options);
        var sizes = new List<int>();
        var texts = new List<string>();
        while (framer.TryReadNext(out var frame))
        {
            texts.Add(Encoding.UTF8.GetString(frame.Bytes));
            sizes.Add(framer.BufferBytes);
        }

        Assert.Equal(["{\"id\":1}", big, "{\"id\":2}", "{\"id\":3}"], texts);
        Assert.Equal(4096, sizes[1]);
        Assert.Equal(64, framer.BufferBytes);
        framer.Dispose();
    }

    [Fact]
    public void ArrayElementLargerThanTheCapIsSkippedAndFramingGoesOn()
    {
        var big = "{\"id\":\"k-77\",\"s\":\"" + new string('[', 300) + "\",\"n\":[[[" + new string('1', 200) + "]]]}";
        var input = Utf8("[{\"id\":1}, " + big + " ,{\"id\":2}]");
        var options = new RecordFramerOptions { Format = RecordFormat.JsonArray, InitialBufferBytes = 16, MaxRecordBytes = 100, PreviewBytes = 12 };

        for (var piece = 1; piece <= 40; piece += 13)
        {
            var frames = ReadAll(ChunkedStream.Pieces(input, piece), options);
            Assert.Equal(
                [
                    new(RecordFrameStatus.Ok, "{\"id\":1}", 0, 1, 1, 8),
                    new(RecordFrameStatus.TooLarge, "{\"id\":\"k-77\"", 1, 1, 11, big.Length),
                    new(RecordFrameStatus.Ok, "{\"id\":2}", 2, 1, 13 + big.Length, 8),
                ],
                frames);
        }
    }

    [Fact]
    public void TooLargeRecordInsideAnEnvelopeKeepsTheEnvelope()
    {
        var big = "{\"id\":\"huge\",\"s\":\"" + new string('}', 400) + "\"}";
        var input = Utf8("{\"meta\":{\"next_cursor\":\"n1\"},\"data\":[{\"id\":1}," + big + ",{\"id\":2}],\"total\":3}");
        var options = new RecordFramerOptions { Format = RecordFormat.Pages, InitialBufferBytes = 8, MaxRecordBytes = 64, PreviewBytes = 11 };

        var frames = ReadAll(new MemoryStream(input), options, out var framer);

        Assert.Equal([RecordFrameStatus.Ok, RecordFrameStatus.TooLarge, RecordFrameStatus.Ok], frames.Select(f => f.Status));
        Assert.Equal("{\"id\":\"huge", frames[1].Text);
        Assert.Equal(big.Length, frames[1].Length);
        Assert.Equal("{\"meta\":{\"next_cursor\":\"n1\"},\"data\":[],\"total\":3}", Envelope(framer));
        Assert.True(framer.IsEnvelopeComplete);
        framer.Dispose();
    }

    [Fact]
    public void ArrayTruncatedInsideARecordEndsWithAnInvalidRemainder()
    {
        var frames = ReadAll(Utf8("[{\"a\":1},\n {\"b\":\"x]\", \"c\": [1,"), JsonArray);

        Assert.Equal(
            [
                new(RecordFrameStatus.Ok, "{\"a\":1}", 0, 1, 1, 7),
                new(RecordFrameStatus.Invalid, "{\"b\":\"x]\", \"c\": [1,", 1, 2, 11, 19),
            ],
            frames);
    }

    [Fact]
    public void TruncatedRemainderIsCappedToThePreviewSize()
    {
        var options = new RecordFramerOptions { Format = RecordFormat.JsonArray, PreviewBytes = 5 };

        var frames = ReadAll(Utf8("[{\"a\":\"0123456789"), options);

        Assert.Equal(RecordFrameStatus.Invalid, Assert.Single(frames).Status);
        Assert.Equal("{\"a\":", frames[0].Text);
        Assert.Equal(16, frames[0].Length);
    }

    [Fact]
    public void ArrayThatNeverClosesEndsWithAnEmptyInvalidFrame()
    {
        var frames = ReadAll(Utf8("[{\"a\":1}, {\"b\":2}  \n"), JsonArray);

        Assert.Equal([RecordFrameStatus.Ok, RecordFrameStatus.Ok, RecordFrameStatus.Invalid], frames.Select(f => f.Status));
        Assert.Equal("", frames[2].Text);
        Assert.Equal(20, frames[2].ByteOffset);
    }

    [Fact]
    public void MismatchedBracketMakesThatRecordInvalidAndTheNextOneIsStillFound()
    {
        var frames = ReadAll(Utf8("[{\"a\":[1}, {\"b\":2}]"), JsonArray);

        Assert.Equal(
            [(RecordFrameStatus.Invalid, "{\"a\":[1}"), (RecordFrameStatus.Ok, "{\"b\":2}")],
            frames.Select(f => (f.Status, f.Text)));
    }

    [Fact]
    public void GarbageAfterTheArrayIsOneFinalInvalidFrameWithAllOfIt()
    {
        var tail = "oops " + new string('z', 10000);
        var input = Utf8("[{\"a\":1}]\n" + tail);
        var options = new RecordFramerOptions { Format = RecordFormat.JsonArray, InitialBufferBytes = 64, PreviewBytes = 8 };

        var frames = ReadAll(new MemoryStream(input), options, out var framer);

        Assert.Equal(2, frames.Count);
        Assert.Equal(new FramedRecord(RecordFrameStatus.Invalid, "oops zzz", 1, 2, 10, tail.Length), frames[1]);
        Assert.Equal(input.Length, framer.BytesRead);
        Assert.Equal(1, framer.InvalidRecords);
        framer.Dispose();
    }

    [Fact]
    public void ArrayElementThatCannotStartAValueIsInvalidAndFramingGoesOn()
    {
        var frames = ReadAll(Utf8("[{\"a\":1}, oops ,{\"b\":2}, NaN]"), JsonArray);

        Assert.Equal(
            [(RecordFrameStatus.Ok, "{\"a\":1}"), (RecordFrameStatus.Invalid, "oops"), (RecordFrameStatus.Ok, "{\"b\":2}"), (RecordFrameStatus.Invalid, "NaN")],
            frames.Select(f => (f.Status, f.Text)));
    }

    [Fact]
    public void ArraysWrittenBackToBackAreReadAsOne()
    {
        var frames = ReadAll(Utf8("[1,2]\n[3]\n[]"), JsonArray);

        Assert.Equal(["1", "2", "3"], frames.Select(f => f.Text));
    }

    [Fact]
    public void ArrayOfScalarsAndExtraCommasAndWhitespace()
    {
        var frames = ReadAll(Utf8("[ 1 ,\t-2.5e+3,, \"a,b]\" ,true,null,\n{},[] ]"), JsonArray);

        Assert.Equal(["1", "-2.5e+3", "\"a,b]\"", "true", "null", "{}", "[]"], frames.Select(f => f.Text));
    }

    [Fact]
    public void NestingDeeperThanSixtyFourLevelsIsFramed()
    {
        var deep = new string('[', 100) + "{\"a\":" + new string('{', 70) + new string('}', 70) + "}" + new string(']', 100);
        var frames = ReadAll(Utf8("[" + deep + ",{\"b\":1}]"), JsonArray);

        Assert.Equal([deep, "{\"b\":1}"], frames.Select(f => f.Text));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData(" [ \n ] \n")]
    [InlineData("\uFEFF[]")]
    public void EmptyArrayHasNoRecords(string input)
    {
        Assert.Empty(ReadAll(Utf8(input), JsonArray));
        Assert.Empty(ReadAll(Utf8(input)));
    }

    [Theory]
    [InlineData(RecordFormat.Auto)]
    [InlineData(RecordFormat.Ndjson)]
    [InlineData(RecordFormat.JsonArray)]
    [InlineData(RecordFormat.Pages)]
    public void EmptyOrBlankInputHasNoRecords(RecordFormat format)
    {
        var options = new RecordFramerOptions { Format = format, InitialBufferBytes = 1 };
        foreach (var input in new[] { "", " ", "\n\r\n\t ", "\uFEFF", "\uFEFF\n" })
        {
            var frames = ReadAll(new MemoryStream(Utf8(input)), options, out var framer);
            Assert.Empty(frames);
            Assert.Equal(Utf8(input).Length, framer.BytesRead);
            framer.Dispose();
        }
    }

    [Fact]
    public void ByteOrderMarkIsSkippedButCountedInOffsets()
    {
        var input = Utf8("\uFEFF{\"a\":1}\n{\"b\":2}");

        var frames = ReadAll(input, Ndjson);

        Assert.Equal([(3L, 1L), (11L, 2L)], frames.Select(f => (f.ByteOffset, f.Line)));
        Assert.Equal(["{\"a\":1}", "{\"b\":2}"], frames.Select(f => f.Text));
    }

    [Fact]
    public void PartialByteOrderMarkIsData()
    {
        var frames = ReadAll(new byte[] { 0xEF, 0xBB, (byte)'\n', (byte)'1' }, Ndjson);

        Assert.Equal([RecordFrameStatus.Invalid, RecordFrameStatus.Ok], frames.Select(f => f.Status));
    }

    [Fact]
    public void EnvelopeKeepsMembersBeforeAndAfterTheRecords()
    {
        var input = "{\"meta\":{\"page\":2,\"data\":[\"not these\"]},\"data\" : [ {\"id\":1} , {\"id\":2} ] ,\"links\":{\"next\":\"/v1/x?cursor=abc\"}}";

        var frames = ReadAll(new MemoryStream(Utf8(input)), Pages, out var framer);

        Assert.Equal(["{\"id\":1}", "{\"id\":2}"], frames.Select(f => f.Text));
        Assert.Equal("{\"meta\":{\"page\":2,\"data\":[\"not these\"]},\"data\" : []" + " ,\"links\":{\"next\":\"/v1/x?cursor=abc\"}}", Envelope(framer));
        Assert.True(framer.IsEnvelopeComplete);
        Assert.False(framer.IsEnvelopeTruncated);
        framer.Dispose();
    }

    [Fact]
    public void EnvelopeIsCompleteOnlyAfterTheWholeObjectWasRead()
    {
        using var framer = new RecordFramer(new MemoryStream(Utf8("{\"data\":[{\"id\":1}],\"meta\":{\"next_cursor\":\"c2\"}}")), Pages);

        Assert.True(framer.TryReadNext(out _));
        Assert.False(framer.IsEnvelopeComplete);
        Assert.False(framer.TryReadNext(out _));
        Assert.True(framer.IsEnvelopeComplete);
        Assert.Equal("{\"data\":[],\"meta\":{\"next_cursor\":\"c2\"}}", Envelope(framer));
    }

    [Fact]
    public void EnvelopeWithoutRecordsGivesNoFramesAndKeepsTheWholeObject()
    {
        const string Input = "{\"error\":{\"code\":429,\"message\":\"slow down\"},\"data\":null}";

        var frames = ReadAll(new MemoryStream(Utf8(Input)), Pages, out var framer);

        Assert.Empty(frames);
        Assert.Equal(Input, Envelope(framer));
        Assert.True(framer.IsEnvelopeComplete);
        framer.Dispose();
    }

    [Fact]
    public void EnvelopeWithEmptyRecordsArray()
    {
        var frames = ReadAll(new MemoryStream(Utf8("{\"data\":[\n],\"meta\":{\"total\":0}}")), Pages, out var framer);

        Assert.Empty(frames);
        Assert.Equal("{\"data\":[],\"meta\":{\"total\":0}}", Envelope(framer));
        framer.Dispose();
    }

    [Fact]
    public void NestedRecordsPointerAndEscapedKeys()
    {
        var options = new RecordFramerOptions { Format = RecordFormat.Pages, RecordsPointer = "/result/it~1ems" };
        var input = "{\"items\":[0],\"result\":{\"count\":2,\"it/ems\":5,\"it\\/ems\":[{\"id\":\"a\"},{\"id\":\"b\"}],\"next\":null},\"ok\":true}";

        var frames = ReadAll(new MemoryStream(Utf8(input)), options, out var framer);

        // "it/ems":5 is not an array, so the records are the escaped key's array that follows it.
        Assert.Equal(["{\"id\":\"a\"}", "{\"id\":\"b\"}"], frames.Select(f => f.Text));
        Assert.Equal("{\"items\":[0],\"result\":{\"count\":2,\"it/ems\":5,\"it\\/ems\":[],\"next\":null},\"ok\":true}", Envelope(framer));
        framer.Dispose();
    }

    [Fact]
    public void EnvelopeTruncatedAfterTheRecordsEndsWithAnInvalidFrame()
    {
        var frames = ReadAll(new MemoryStream(Utf8("{\"data\":[{\"id\":1}],\"meta\":{\"next_cursor\":\"ab")), Pages, out var framer);

        Assert.Equal([RecordFrameStatus.Ok, RecordFrameStatus.Invalid], frames.Select(f => f.Status));
        Assert.False(framer.IsEnvelopeComplete);
        framer.Dispose();
    }

    [Fact]
    public void EnvelopeTruncatedInsideTheRecordsEndsWithTheRecordsRemainder()
    {
        var frames = ReadAll(Utf8("{\"meta\":1,\"data\":[{\"id\":1},{\"id\":2,\"x\":[\"]"), Pages);

        Assert.Equal(
            [(RecordFrameStatus.Ok, "{\"id\":1}"), (RecordFrameStatus.Invalid, "{\"id\":2,\"x\":[\"]")],
            frames.Select(f => (f.Status, f.Text)));
    }

    [Fact]
    public void ContentAfterTheEnvelopeIsInvalid()
    {
        var frames = ReadAll(new MemoryStream(Utf8("{\"data\":[1]}\n{\"data\":[2]}")), Pages, out var framer);

        Assert.Equal([(RecordFrameStatus.Ok, "1"), (RecordFrameStatus.Invalid, "{\"data\":[2]}")], frames.Select(f => (f.Status, f.Text)));
        Assert.Equal("{\"data\":[]}", Envelope(framer));
        framer.Dispose();
    }

    [Fact]
    public void TopLevelArrayInPagesModeIsInvalid()
    {
        var frames = ReadAll(Utf8("[{\"id\":1}]"), Pages);

        Assert.Equal(RecordFrameStatus.Invalid, Assert.Single(frames).Status);
    }

    [Fact]
    public void EmptyRecordsPointerReadsATopLevelArray()
    {
        var frames = ReadAll(Utf8("[{\"id\":1}]"), new RecordFramerOptions { Format = RecordFormat.Pages, RecordsPointer = "" });

        Assert.Equal(["{\"id\":1}"], frames.Select(f => f.Text));
    }

    [Fact]
    public void EnvelopeLargerThanItsCapIsCutAndFlagged()
    {
        var input = "{\"meta\":\"" + new string('m', 100) + "\",\"data\":[{\"id\":1}]}";
        var options = new RecordFramerOptions { Format = RecordFormat.Pages, MaxEnvelopeBytes = 40 };

        var frames = ReadAll(new MemoryStream(Utf8(input)), options, out var framer);

        Assert.Equal(["{\"id\":1}"], frames.Select(f => f.Text));
        Assert.True(framer.IsEnvelopeTruncated);
        Assert.Equal(input[..40], Envelope(framer));
        framer.Dispose();
    }

    [Fact]
    public void BrokenEnvelopeStructureIsOneInvalidFrame()
    {
        foreach (var input in new[] { "{\"data\" [1]}", "{\"data\":[1],,}", "{1:2}", "{\"a\":1 \"data\":[2]}", "{\"a\":[1}" })
        {
            var frames = ReadAll(Utf8(input), Pages);
            Assert.Equal(RecordFrameStatus.Invalid, frames[^1].Status);
        }
    }

    [Theory]
    [InlineData("[{\"a\":1}]", RecordFormat.JsonArray)]
    [InlineData("\uFEFF  \n [1]", RecordFormat.JsonArray)]
    [InlineData("{\"a\":1}\n{\"a\":2}", RecordFormat.Ndjson)]
    [InlineData("{\"a\":1}", RecordFormat.Ndjson)]
    [InlineData("{\"data\":{\"nested\":true}}", RecordFormat.Ndjson)]
    [InlineData("{\"id\":1,\"data\":[1]}\n{\"id\":2,\"data\":[2]}\n", RecordFormat.Ndjson)]
    [InlineData("{\"data\":[{\"id\":1}],\"meta\":{}}", RecordFormat.Pages)]
    [InlineData("{\"data\":[{\"id\":1}],\"meta\":{}}\n\n", RecordFormat.Pages)]
    [InlineData("{\n  \"data\": [\n    {\"id\":1}\n  ]\n}", RecordFormat.Pages)]
    [InlineData("{\"meta\":{\"total\":1},\n\"data\":[{\"id\":1}", RecordFormat.Pages)]
    [InlineData("{\"data\":[{\"id\":1}", RecordFormat.Pages)]
    [InlineData("\"text\"\n42\n", RecordFormat.Ndjson)]
    [InlineData("{\"unfinished\":", RecordFormat.Ndjson)]
    [InlineData("", RecordFormat.Auto)]
    public void AutoDetectsTheLayout(string input, RecordFormat expected)
    {
        for (var size = 1; size <= 16; size += 5)
        {
            ReadAll(new MemoryStream(Utf8(input)), new RecordFramerOptions { InitialBufferBytes = size }, out var framer);
            Assert.Equal(expected, framer.Format);
            framer.Dispose();
        }
    }

    [Fact]
    public void AutoReadsAnNdjsonFileWhoseRecordsHaveADataArray()
    {
        var frames = ReadAll(Utf8("{\"id\":1,\"data\":[1]}\n{\"id\":2,\"data\":[2]}\n"));

        Assert.Equal(["{\"id\":1,\"data\":[1]}", "{\"id\":2,\"data\":[2]}"], frames.Select(f => f.Text));
    }

    [Fact]
    public void AutoTreatsAFirstObjectLargerThanTheCapAsAnEnvelopeWhenItHasRecords()
    {
        var records = string.Join(",", Enumerable.Range(0, 50).Select(i => $"{{\"id\":{i}}}"));
        var input = Utf8("{\"data\":[" + records + "],\"meta\":{\"next_cursor\":\"z\"}}");
        var options = new RecordFramerOptions { InitialBufferBytes = 16, MaxRecordBytes = 64 };

        var frames = ReadAll(new MemoryStream(input), options, out var framer);

        Assert.Equal(RecordFormat.Pages, framer.Format);
        Assert.Equal(50, frames.Count);
        Assert.All(frames, f => Assert.Equal(RecordFrameStatus.Ok, f.Status));
        Assert.Equal("{\"data\":[],\"meta\":{\"next_cursor\":\"z\"}}", Envelope(framer));
        framer.Dispose();
    }

    [Fact]
    public void LinesAreCountedInPrettyPrintedArrays()
    {
        var input = "[\n  {\n    \"a\": 1\n  },\n\n  {\"b\": \"x\\ny\"}\n]";

        var frames = ReadAll(Utf8(input), JsonArray);

        Assert.Equal([2L, 6L], frames.Select(f => f.Line));
    }

    [Fact]
    public void IoErrorsPropagate()
    {
        using var framer = new RecordFramer(new FailingStream(Utf8("{\"a\":1}\n{\"b\"")), Ndjson);

        Assert.True(framer.TryReadNext(out _));
        Assert.Throws<IOException>(() => framer.TryReadNext(out _));
    }

    [Fact]
    public async Task CancellationIsPassedToTheStream()
    {
        using var framer = new RecordFramer(ChunkedStream.Pieces(Utf8("{\"a\":1}\n"), 1, yieldOnAsync: true), Ndjson);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await framer.ReadNextAsync(cancelled.Token));
    }

    [Fact]
    public void UseAfterDisposeThrows()
    {
        var framer = new RecordFramer(new MemoryStream(Utf8("[1]")));
        framer.Dispose();
        framer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => framer.TryReadNext(out _));
        Assert.Throws<ObjectDisposedException>(() => framer.ReadNextAsync().AsTask().GetAwaiter().GetResult());
    }

    [Fact]
    public void DisposeDoesNotCloseTheStream()
    {
        var stream = new MemoryStream(Utf8("[1]"));
        new RecordFramer(stream).Dispose();

        Assert.True(stream.CanRead);
    }

    [Fact]
    public void BadOptionsAreRejected()
    {
        var stream = new MemoryStream();
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecordFramer(stream, new RecordFramerOptions { InitialBufferBytes = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecordFramer(stream, new RecordFramerOptions { InitialBufferBytes = 1024, MaxRecordBytes = 512 }));
        Assert.Throws<ArgumentException>(() => new RecordFramer(stream, new RecordFramerOptions { RecordsPointer = "data" }));
    }

    [Fact]
    public void CountersAddUp()
    {
        var input = Utf8("{\"a\":1}\n{bad\n{\"b\":2}\n");

        ReadAll(new MemoryStream(input), Ndjson, out var framer);

        Assert.Equal(3, framer.RecordsFramed);
        Assert.Equal(1, framer.InvalidRecords);
        Assert.Equal(0, framer.TooLargeRecords);
        Assert.Equal(input.Length, framer.BytesRead);
        framer.Dispose();
    }
}
