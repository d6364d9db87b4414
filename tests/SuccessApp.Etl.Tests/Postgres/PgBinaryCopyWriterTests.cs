using System.Text;
using SuccessApp.Etl.Postgres;

namespace SuccessApp.Etl.Tests.Postgres;

/// <summary>
/// Expected bytes are worked out by hand from PostgreSQL's "COPY — Binary Format" section and each type's send
/// function: every field is an int32 byte count (−1 for NULL) and the value, big-endian.
/// </summary>
public sealed class PgBinaryCopyWriterTests
{
    [Fact]
    public void HeaderIsSignatureFlagsAndEmptyExtension()
    {
        Assert.Equal(
            [
                (byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', 0x0A, 0xFF, 0x0D, 0x0A, 0x00,
                0, 0, 0, 0,
                0, 0, 0, 0,
            ],
            Encode(w => w.WriteHeader()));
    }

    [Fact]
    public void WholeCopyStreamOfOneRow()
    {
        var bytes = Encode(w =>
        {
            w.WriteHeader();
            w.StartRow(3);
            w.WriteInt32(7);
            w.WriteNull();
            w.WriteText("ab"u8);
            w.WriteTrailer();
        });

        Assert.Equal(
            [
                .. "PGCOPY"u8, 0x0A, 0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
                0x00, 0x03,
                0, 0, 0, 4, 0, 0, 0, 7,
                0xFF, 0xFF, 0xFF, 0xFF,
                0, 0, 0, 2, (byte)'a', (byte)'b',
                0xFF, 0xFF,
            ],
            bytes);
    }

    [Fact]
    public void TrailerIsMinusOne() => Assert.Equal([0xFF, 0xFF], Encode(w => w.WriteTrailer()));

    [Fact]
    public void NullIsLengthMinusOne() => Assert.Equal([0xFF, 0xFF, 0xFF, 0xFF], Field(w => w.WriteNull()));

    [Fact]
    public void TextIsItsUtf8Bytes() =>
        Assert.Equal([0, 0, 0, 6, 0x68, 0xC3, 0xA9, 0x6C, 0x6C, 0x6F], Field(w => w.WriteText("héllo"u8)));

    [Fact]
    public void EmptyTextIsLengthZero() => Assert.Equal([0, 0, 0, 0], Field(w => w.WriteText([])));

    [Fact]
    public void JsonbIsVersionOneThenText() =>
        Assert.Equal([0, 0, 0, 8, 0x01, .. "{\"a\":1}"u8], Field(w => w.WriteJsonb("{\"a\":1}"u8)));

    [Fact]
    public void UuidIsSixteenBytesInRfc4122Order() =>
        Assert.Equal(
            [0, 0, 0, 16, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF],
            Field(w => w.WriteUuid(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"))));

    [Fact]
    public void Integers()
    {
        Assert.Equal([0, 0, 0, 2, 0xFF, 0xFE], Field(w => w.WriteInt16(-2)));
        Assert.Equal([0, 0, 0, 4, 0x01, 0x02, 0x03, 0x04], Field(w => w.WriteInt32(0x01020304)));
        Assert.Equal([0, 0, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], Field(w => w.WriteInt64(-1)));
        Assert.Equal([0, 0, 0, 8, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], Field(w => w.WriteInt64(long.MaxValue)));
    }

    [Fact]
    public void Booleans()
    {
        Assert.Equal([0, 0, 0, 1, 1], Field(w => w.WriteBoolean(true)));
        Assert.Equal([0, 0, 0, 1, 0], Field(w => w.WriteBoolean(false)));
    }

    [Fact]
    public void Float8IsIeeeDoubleBigEndian()
    {
        Assert.Equal([0, 0, 0, 8, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0], Field(w => w.WriteFloat8(1.5)));
        Assert.Equal([0, 0, 0, 8, 0xBF, 0xB9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9A], Field(w => w.WriteFloat8(-0.1)));
    }

    [Fact]
    public void TimestampTzIsMicrosecondsSince2000()
    {
        Assert.Equal([0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0], Field(w => w.WriteTimestampTz(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc))));
        // 2023-04-23 is 23 * 365 + 6 leap days + 31 + 28 + 31 + 22 = 8513 days on; with 21:00:18 that is
        // (8513 * 86400 + 75618) * 10^6 = 735598818000000 µs = 0x00029D05F23E7C80.
        Assert.Equal(
            [0, 0, 0, 8, 0x00, 0x02, 0x9D, 0x05, 0xF2, 0x3E, 0x7C, 0x80],
            Field(w => w.WriteTimestampTz(new DateTime(2023, 4, 23, 21, 0, 18, DateTimeKind.Utc))));
        // 1 s + 1 µs = 1000001 = 0x0F4241.
        Assert.Equal(
            [0, 0, 0, 8, 0, 0, 0, 0, 0, 0x0F, 0x42, 0x41],
            Field(w => w.WriteTimestampTz(new DateTime(2000, 1, 1, 0, 0, 1, DateTimeKind.Utc).AddTicks(10))));
    }

    [Fact]
    public void TimestampTzDropsSubMicrosecondTicksByFlooring()
    {
        var epoch = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        Assert.Equal([0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1], Field(w => w.WriteTimestampTz(epoch.AddTicks(19))));
        // Before 2000 the time must not move later: -5 ticks is in the microsecond -1.
        Assert.Equal([0, 0, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], Field(w => w.WriteTimestampTz(epoch.AddTicks(-5))));
        Assert.Equal([0, 0, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], Field(w => w.WriteTimestampTz(epoch.AddTicks(-10))));
        Assert.Equal([0, 0, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE], Field(w => w.WriteTimestampTz(epoch.AddTicks(-11))));
    }

    [Fact]
    public void TimestampTzAcceptsUnspecifiedAsUtcAndRefusesLocal()
    {
        Assert.Equal([0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0], Field(w => w.WriteTimestampTz(new DateTime(2000, 1, 1))));
        using var writer = new PgBinaryCopyWriter(new MemoryStream());
        writer.StartRow(1);
        Assert.Throws<ArgumentException>(() => writer.WriteTimestampTz(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Local)));
    }

    [Fact]
    public void DateIsDaysSince2000()
    {
        Assert.Equal([0, 0, 0, 4, 0, 0, 0, 0], Field(w => w.WriteDate(new DateOnly(2000, 1, 1))));
        Assert.Equal([0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF], Field(w => w.WriteDate(new DateOnly(1999, 12, 31))));
        Assert.Equal([0, 0, 0, 4, 0x00, 0x00, 0x21, 0x41], Field(w => w.WriteDate(new DateOnly(2023, 4, 23))));
    }

    // Numeric: int16 ndigits, weight, sign, dscale, then base-10000 digits. The value is
    // sum(digit[i] * 10000^(weight - i)); dscale is the number of decimal digits shown after the point.
    public static TheoryData<string, ushort[]> Numerics() => new()
    {
        { "0", [0, 0, 0x0000, 0] },
        { "-0", [0, 0, 0x0000, 0] },
        { "0.00", [0, 0, 0x0000, 2] },
        { "-0.0", [0, 0, 0x0000, 1] },
        { "0e-5", [0, 0, 0x0000, 5] },
        { "0e1000000", [0, 0, 0x0000, 0] },
        { "1", [1, 0, 0x0000, 0, 1] },
        { "-1", [1, 0, 0x4000, 0, 1] },
        { "9999", [1, 0, 0x0000, 0, 9999] },
        { "10000", [1, 1, 0x0000, 0, 1] },
        { "10001", [2, 1, 0x0000, 0, 1, 1] },
        { "99999999", [2, 1, 0x0000, 0, 9999, 9999] },
        { "100000000", [1, 2, 0x0000, 0, 1] },
        { "12345.678", [3, 1, 0x0000, 3, 1, 2345, 6780] },
        { "-12345.678", [3, 1, 0x4000, 3, 1, 2345, 6780] },
        { "0.0001", [1, 0xFFFF, 0x0000, 4, 1] },
        { "0.00001", [1, 0xFFFE, 0x0000, 5, 1000] },
        { "0.5", [1, 0xFFFF, 0x0000, 1, 5000] },
        { "1.50", [2, 0, 0x0000, 2, 1, 5000] },
        { "1e3", [1, 0, 0x0000, 0, 1000] },
        { "1E+2", [1, 0, 0x0000, 0, 100] },
        { "1e4", [1, 1, 0x0000, 0, 1] },
        { "1.5e-3", [1, 0xFFFF, 0x0000, 4, 15] },
        { "12e-1", [2, 0, 0x0000, 1, 1, 2000] },
        { "1.23e2", [1, 0, 0x0000, 0, 123] },
        { "1.2345e2", [2, 0, 0x0000, 2, 123, 4500] },
        { "-2.5E-0", [2, 0, 0x4000, 1, 2, 5000] },
        { "123456789.123456789", [6, 2, 0x0000, 9, 1, 2345, 6789, 1234, 5678, 9000] },
        { "1e-16383", [1, 0xF000, 0x0000, 16383, 10] }, // weight -4096; 10^-16383 = 10 * 10000^-4096
        { "1e131071", [1, 32767, 0x0000, 0, 1000] },    // the largest weight numeric can store
    };

    [Theory]
    [MemberData(nameof(Numerics))]
    public void NumericEncodings(string text, ushort[] words)
    {
        var expected = new List<byte> { 0, 0, (byte)((words.Length * 2) >> 8), (byte)(words.Length * 2) };
        foreach (var word in words)
        {
            expected.Add((byte)(word >> 8));
            expected.Add((byte)word);
        }

        Assert.Equal(expected, Field(w => Assert.True(w.TryWriteNumeric(Encoding.ASCII.GetBytes(text)))));
    }

    [Fact]
    public void NumericWithFourThousandNines()
    {
        // 4000 nines are 1000 groups of 9999 with weight 999.
        var bytes = Field(w => Assert.True(w.TryWriteNumeric(Encoding.ASCII.GetBytes(new string('9', 4000)))));

        Assert.Equal([0x00, 0x00, 0x07, 0xD8, 0x03, 0xE8, 0x03, 0xE7, 0, 0, 0, 0], bytes[..12]);
        Assert.Equal(2012, bytes.Length);
        for (var i = 12; i < bytes.Length; i += 2)
        {
            Assert.Equal([0x27, 0x0F], bytes[i..(i + 2)]);
        }
    }

    [Fact]
    public void NumericWithLongRunsOfZerosKeepsOnlyTheSignificantGroups()
    {
        // 1 followed by 4000 zeros is one group, 1, of weight 1000.
        Assert.Equal(
            [0, 0, 0, 10, 0, 1, 0x03, 0xE8, 0, 0, 0, 0, 0, 1],
            Field(w => Assert.True(w.TryWriteNumeric(Encoding.ASCII.GetBytes("1" + new string('0', 4000))))));
        // 10^-4000 is one group, 1, of weight -1000 (0xFC18), and shows 4000 decimals.
        Assert.Equal(
            [0, 0, 0, 10, 0, 1, 0xFC, 0x18, 0, 0, 0x0F, 0xA0, 0, 1],
            Field(w => Assert.True(w.TryWriteNumeric(Encoding.ASCII.GetBytes("0." + new string('0', 3999) + "1")))));
        // Interior zero groups stay: 1 0000 0000 0001.
        Assert.Equal(
            [0, 0, 0, 16, 0, 4, 0, 3, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1],
            Field(w => Assert.True(w.TryWriteNumeric("1000000000001"u8))));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("+1")]
    [InlineData("01")]
    [InlineData("-01")]
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData("1e")]
    [InlineData("1e+")]
    [InlineData("1e-")]
    [InlineData("1.2.3")]
    [InlineData("--1")]
    [InlineData("1e5.5")]
    [InlineData("0x10")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1,5")]
    [InlineData("\"1\"")]
    [InlineData("1e-16384")]       // dscale above 16383
    [InlineData("0e-16384")]       // zero too: PostgreSQL keeps the scale
    [InlineData("0.1e-16383")]
    [InlineData("1e131072")]       // weight 32768 needs more than 131072 integer digits
    [InlineData("1e99999999999")]  // exponent beyond PostgreSQL's own bound
    [InlineData("0e1073741823")]
    public void InvalidOrOutOfRangeNumericsWriteNothing(string text)
    {
        var stream = new MemoryStream();
        using var writer = new PgBinaryCopyWriter(stream);
        writer.StartRow(1);
        var before = writer.BytesWritten;

        Assert.False(writer.TryWriteNumeric(Encoding.UTF8.GetBytes(text)));
        Assert.Equal(before, writer.BytesWritten);

        // The field is still owed, so the caller can write NULL in its place.
        writer.WriteNull();
        writer.WriteTrailer();
        writer.Flush();
        Assert.Equal([0, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], stream.ToArray());
    }

    [Fact]
    public void NumericAtTheLargestScale()
    {
        var text = "0." + new string('0', 16382) + "1";

        var bytes = Field(w => Assert.True(w.TryWriteNumeric(Encoding.ASCII.GetBytes(text))));

        Assert.Equal([0, 0, 0, 10, 0, 1, 0xF0, 0x00, 0, 0, 0x3F, 0xFF, 0, 10], bytes);
    }

    [Fact]
    public void SmallBufferGivesTheSameBytesAndWritesLargeFieldsThrough()
    {
        var longText = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("texte long ✓ ", 1000)));
        var longNumber = Encoding.ASCII.GetBytes("-" + string.Concat(Enumerable.Repeat("1234567890", 300)) + ".5e-7");
        void Rows(PgBinaryCopyWriter w)
        {
            w.WriteHeader();
            for (var i = 0; i < 50; i++)
            {
                w.StartRow(6);
                w.WriteText(longText);
                w.WriteInt64(i);
                Assert.True(w.TryWriteNumeric(longNumber));
                w.WriteJsonb(longText.AsSpan(0, i * 7));
                w.WriteUuid(Guid.Parse("04b191f8-c86b-46fd-9932-23a592562349"));
                w.WriteTimestampTz(new DateTime(2023, 4, 23, 21, 0, 18, DateTimeKind.Utc));
            }
            w.WriteTrailer();
        }

        var big = Encode(Rows, 1 << 20);
        foreach (var size in new[] { PgBinaryCopyWriter.MinBufferBytes, 33, 100, 4096 })
        {
            Assert.Equal(big, Encode(Rows, size));
        }
    }

    [Fact]
    public void BuffersUntilFullOrFlushedAndCountsBytesAndRows()
    {
        var stream = new MemoryStream();
        using var writer = new PgBinaryCopyWriter(stream, 64);
        writer.WriteHeader();
        writer.StartRow(1);
        writer.WriteInt32(1);
        Assert.Equal(0, stream.Length);
        Assert.Equal(29, writer.BytesWritten);

        for (var i = 0; i < 10; i++)
        {
            writer.StartRow(1);
            writer.WriteInt64(i);
        }
        Assert.True(stream.Length > 0);
        Assert.Equal(29 + (10 * 14), writer.BytesWritten);

        writer.WriteTrailer();
        writer.Flush();
        Assert.Equal(writer.BytesWritten, stream.Length);
        Assert.Equal(11, writer.RowsWritten);
    }

    [Fact]
    public void FieldCountsAreEnforced()
    {
        using var writer = new PgBinaryCopyWriter(new MemoryStream());
        writer.StartRow(2);
        writer.WriteInt32(1);
        Assert.Throws<InvalidOperationException>(() => writer.StartRow(2));
        Assert.Throws<InvalidOperationException>(() => writer.WriteTrailer());
        writer.WriteNull();
        Assert.Throws<InvalidOperationException>(() => writer.WriteNull());
        Assert.Throws<InvalidOperationException>(() => writer.TryWriteNumeric("1"u8));
        writer.StartRow(0);
        writer.WriteTrailer();
    }

    [Fact]
    public void DisposeReturnsTheBufferWithoutClosingOrFlushing()
    {
        var stream = new MemoryStream();
        var writer = new PgBinaryCopyWriter(stream);
        writer.WriteHeader();
        writer.Dispose();
        writer.Dispose();

        Assert.True(stream.CanWrite);
        Assert.Equal(0, stream.Length);
        Assert.Throws<ObjectDisposedException>(() => writer.WriteHeader());
    }

    [Fact]
    public void TooSmallBufferIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PgBinaryCopyWriter(new MemoryStream(), PgBinaryCopyWriter.MinBufferBytes - 1));
    }

    [Fact]
    public void AllocatedBytesDoNotGrowWithRowCount()
    {
        WriteRows(1000);
        var small = MinAllocated(() => WriteRows(10_000));
        var large = MinAllocated(() => WriteRows(100_000));

        // One object per row would add at least 24 bytes x 90,000 rows; the slack only absorbs runtime noise.
        Assert.True(large <= small + (16 * 1024), $"{small} bytes for 10k rows, {large} for 100k");
    }

    // The least of three runs, so a one-off runtime allocation on this thread does not count.
    internal static long MinAllocated(Action run)
    {
        var least = long.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            run();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }

    private static void WriteRows(int rows)
    {
        using var writer = new PgBinaryCopyWriter(Stream.Null);
        var id = Guid.Parse("04b191f8-c86b-46fd-9932-23a592562349");
        var time = new DateTime(2023, 4, 23, 21, 0, 18, DateTimeKind.Utc);
        writer.WriteHeader();
        for (var i = 0; i < rows; i++)
        {
            writer.StartRow(8);
            writer.WriteUuid(id);
            writer.WriteText("LATAM-SOLA-BRAZIL SOUTH CROSS"u8);
            writer.WriteJsonb("{\"a\":[1,2]}"u8);
            writer.WriteTimestampTz(time);
            writer.WriteDate(new DateOnly(2023, 4, 23));
            writer.TryWriteNumeric("-12345.678e2"u8);
            writer.WriteBoolean(true);
            writer.WriteNull();
        }
        writer.WriteTrailer();
        writer.Flush();
    }

    private static byte[] Encode(Action<PgBinaryCopyWriter> write, int bufferBytes = 65536)
    {
        var stream = new MemoryStream();
        using (var writer = new PgBinaryCopyWriter(stream, bufferBytes))
        {
            write(writer);
            writer.Flush();
            Assert.Equal(writer.BytesWritten, stream.Length);
        }
        return stream.ToArray();
    }

    // One field of a one-field row, without the row's field count.
    private static byte[] Field(Action<PgBinaryCopyWriter> write) =>
        Encode(w =>
        {
            w.StartRow(1);
            write(w);
        })[2..];
}
