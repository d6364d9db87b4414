using System.Buffers;
using System.Buffers.Binary;

namespace SuccessApp.Etl.Postgres;

/// <summary>
/// Encodes rows in PostgreSQL's binary COPY format (<c>COPY … FROM STDIN (FORMAT BINARY)</c>) into a pooled buffer
/// and writes it to <paramref name="destination"/> whenever the buffer fills. Each field is an int32 length (−1 for
/// NULL) followed by the bytes the type's <c>*_send</c> function produces, all big-endian.
/// Call order: <see cref="WriteHeader"/>, then per row <see cref="StartRow"/> and exactly that many fields, then
/// <see cref="WriteTrailer"/> and <see cref="Flush"/>. Nothing is allocated per row. <see cref="Dispose"/> returns
/// the buffer without flushing (an unfinished COPY should fail, not be half-sent) and never closes the stream.
/// Text and jsonb must not contain NUL bytes: PostgreSQL rejects them, and stripping them is the caller's job.
/// </summary>
public sealed class PgBinaryCopyWriter : IDisposable
{
    /// <summary>Smallest buffer accepted: it must hold the header and any fixed-size field.</summary>
    public const int MinBufferBytes = 32;

    private const short NumericPositive = 0x0000;
    private const short NumericNegative = 0x4000;
    private const int NumericMaxWeight = short.MaxValue;
    private const int NumericMaxDscale = 0x3FFF;
    private const int JsonbVersion = 1;

    // Microseconds and days are counted from PostgreSQL's epoch, 2000-01-01 00:00:00 UTC.
    private static readonly long PostgresEpochTicks = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
    private static readonly int PostgresEpochDayNumber = new DateOnly(2000, 1, 1).DayNumber;

    // PGCOPY\n\377\r\n\0 as bytes (a u8 literal would encode \xff as two bytes).
    private static ReadOnlySpan<byte> Signature => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];

    private readonly Stream _destination;
    private byte[]? _buffer;
    private int _used;
    private long _flushed;
    private long _rows;
    private int _fieldsLeft;

    public PgBinaryCopyWriter(Stream destination, int bufferBytes = 65536)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferBytes, MinBufferBytes);
        _destination = destination;
        _buffer = ArrayPool<byte>.Shared.Rent(bufferBytes);
        // Use exactly the size asked for: the pool may hand out a larger array.
        Capacity = bufferBytes;
    }

    /// <summary>Bytes encoded so far, whether still buffered or already written to the stream.</summary>
    public long BytesWritten => _flushed + _used;

    /// <summary>Rows started with <see cref="StartRow"/>.</summary>
    public long RowsWritten => _rows;

    private int Capacity { get; }

    /// <summary>The 11-byte signature <c>PGCOPY\n\377\r\n\0</c>, flags (0: no OIDs) and an empty header extension.</summary>
    public void WriteHeader()
    {
        var span = Reserve(19);
        Signature.CopyTo(span);
        BinaryPrimitives.WriteInt32BigEndian(span[11..], 0);
        BinaryPrimitives.WriteInt32BigEndian(span[15..], 0);
        _used += 19;
    }

    /// <summary>Starts a row of <paramref name="fieldCount"/> fields; exactly that many Write calls must follow.</summary>
    public void StartRow(short fieldCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fieldCount);
        if (_fieldsLeft != 0)
        {
            throw RowIncomplete();
        }
        WriteRawInt16(fieldCount);
        _fieldsLeft = fieldCount;
        _rows++;
    }

    public void WriteNull()
    {
        TakeField();
        WriteRawInt32(-1);
    }

    /// <summary>A text (or varchar) value from UTF-8 bytes; values larger than the buffer are written through.</summary>
    public void WriteText(ReadOnlySpan<byte> utf8)
    {
        TakeField();
        WriteRawInt32(utf8.Length);
        WriteRawBytes(utf8);
    }

    /// <summary>jsonb's binary form is a version byte (1) followed by the JSON text.</summary>
    public void WriteJsonb(ReadOnlySpan<byte> utf8Json)
    {
        TakeField();
        var span = Reserve(5);
        BinaryPrimitives.WriteInt32BigEndian(span, utf8Json.Length + 1);
        span[4] = JsonbVersion;
        _used += 5;
        WriteRawBytes(utf8Json);
    }

    public void WriteUuid(Guid value)
    {
        TakeField();
        var span = Reserve(20);
        BinaryPrimitives.WriteInt32BigEndian(span, 16);
        // uuid_send is the 16 bytes in RFC 4122 order, which is not Guid's in-memory layout.
        value.TryWriteBytes(span.Slice(4, 16), bigEndian: true, out _);
        _used += 20;
    }

    public void WriteInt16(short value)
    {
        TakeField();
        var span = Reserve(6);
        BinaryPrimitives.WriteInt32BigEndian(span, 2);
        BinaryPrimitives.WriteInt16BigEndian(span[4..], value);
        _used += 6;
    }

    public void WriteInt32(int value)
    {
        TakeField();
        var span = Reserve(8);
        BinaryPrimitives.WriteInt32BigEndian(span, 4);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], value);
        _used += 8;
    }

    public void WriteInt64(long value)
    {
        TakeField();
        WriteLengthAndInt64(value);
    }

    public void WriteBoolean(bool value)
    {
        TakeField();
        var span = Reserve(5);
        BinaryPrimitives.WriteInt32BigEndian(span, 1);
        span[4] = value ? (byte)1 : (byte)0;
        _used += 5;
    }

    public void WriteFloat8(double value)
    {
        TakeField();
        var span = Reserve(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteDoubleBigEndian(span[4..], value);
        _used += 12;
    }

    /// <summary>
    /// timestamptz as int64 microseconds since 2000-01-01 00:00:00 UTC. Sub-microsecond ticks are dropped by
    /// flooring (so a time before 2000 never moves later). <see cref="DateTimeKind.Unspecified"/> is taken as UTC;
    /// <see cref="DateTimeKind.Local"/> is refused because converting it here would hide a caller's bug.
    /// </summary>
    public void WriteTimestampTz(DateTime utc)
    {
        if (utc.Kind == DateTimeKind.Local)
        {
            throw new ArgumentException("timestamptz values must be UTC; convert with ToUniversalTime() before writing.", nameof(utc));
        }
        TakeField();
        WriteLengthAndInt64(Math.DivRem(utc.Ticks - PostgresEpochTicks, 10, out var rem) - (rem < 0 ? 1 : 0));
    }

    /// <summary>date as int32 days since 2000-01-01.</summary>
    public void WriteDate(DateOnly value)
    {
        TakeField();
        var span = Reserve(8);
        BinaryPrimitives.WriteInt32BigEndian(span, 4);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], value.DayNumber - PostgresEpochDayNumber);
        _used += 8;
    }

    /// <summary>
    /// Writes a JSON number's text (<c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>) as a numeric field:
    /// int16 ndigits, int16 weight, int16 sign, int16 dscale, then base-10000 digits, most significant first, with
    /// leading and trailing zero groups stripped. dscale is the count of decimal digits after the point once the
    /// exponent is applied (never negative), so <c>1.50</c> keeps its scale of 2 as PostgreSQL's own input does.
    /// Returns false and writes nothing when the text is not a JSON number or is outside numeric's range
    /// (weight above 32767, i.e. more than 131072 integer digits, or dscale above 16383); the caller then writes
    /// NULL and records a reject.
    /// </summary>
    public bool TryWriteNumeric(ReadOnlySpan<byte> jsonNumberText)
    {
        if (!TryPlanNumeric(jsonNumberText, out var negative, out var mantissa, out var point, out var scale, out var first, out var weight, out var groups))
        {
            return false;
        }

        TakeField();
        var span = Reserve(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8 + (2 * groups));
        // numeric_recv reads ndigits as uint16; in range it is at most 32768 + 4096 groups.
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], (ushort)groups);
        BinaryPrimitives.WriteInt16BigEndian(span[6..], (short)weight);
        // Zero is always positive, as PostgreSQL's own strip_var makes it ("-0" is 0).
        BinaryPrimitives.WriteInt16BigEndian(span[8..], negative && first >= 0 ? NumericNegative : NumericPositive);
        BinaryPrimitives.WriteInt16BigEndian(span[10..], (short)scale);
        _used += 12;

        for (var g = weight; g > weight - groups; g--)
        {
            var index = point - 1 - (4 * g) - 3;
            var group = (mantissa.DigitAt(index) * 1000) + (mantissa.DigitAt(index + 1) * 100)
                + (mantissa.DigitAt(index + 2) * 10) + mantissa.DigitAt(index + 3);
            WriteRawInt16((short)group);
        }
        return true;
    }

    /// <summary>True if <see cref="TryWriteNumeric"/> would accept the text: a JSON number within numeric's range.</summary>
    public static bool FitsNumeric(ReadOnlySpan<byte> jsonNumberText) =>
        TryPlanNumeric(jsonNumberText, out _, out _, out _, out _, out _, out _, out _);

    // The layout of a numeric value, worked out before anything is written so that an out-of-range value writes nothing.
    private static bool TryPlanNumeric(
        ReadOnlySpan<byte> jsonNumberText, out bool negative, out Mantissa mantissa, out long point, out long scale, out int first, out long weight, out int groups)
    {
        mantissa = default;
        point = scale = weight = 0;
        first = -1;
        groups = 0;
        if (!TryParseNumber(jsonNumberText, out negative, out var integer, out var fraction, out var exponent))
        {
            return false;
        }

        mantissa = new Mantissa(jsonNumberText[integer], jsonNumberText[fraction]);
        // Mantissa digit i stands for 10^(point - 1 - i); base-10000 group g covers 10^(4g) to 10^(4g+3).
        point = mantissa.IntegerLength + exponent;
        scale = Math.Max(0, mantissa.FractionLength - exponent);
        first = mantissa.FirstNonZero();
        if (first >= 0)
        {
            weight = FloorDiv4(point - 1 - first);
            groups = (int)(weight - FloorDiv4(point - 1 - mantissa.LastNonZero()) + 1);
        }
        // The limits of numeric's stored form (int16 weight, 14-bit dscale).
        return weight <= NumericMaxWeight && scale <= NumericMaxDscale;
    }

    /// <summary>The file trailer: an int16 field count of −1.</summary>
    public void WriteTrailer()
    {
        if (_fieldsLeft != 0)
        {
            throw RowIncomplete();
        }
        WriteRawInt16(-1);
    }

    /// <summary>Writes everything buffered to the stream and flushes the stream.</summary>
    public void Flush()
    {
        FlushBuffer();
        _destination.Flush();
    }

    public void Dispose()
    {
        var buffer = _buffer;
        if (buffer is not null)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static long FloorDiv4(long value) => value >> 2;

    private void WriteLengthAndInt64(long value)
    {
        var span = Reserve(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteInt64BigEndian(span[4..], value);
        _used += 12;
    }

    private void WriteRawInt16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(Reserve(2), value);
        _used += 2;
    }

    private void WriteRawInt32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(Reserve(4), value);
        _used += 4;
    }

    private void WriteRawBytes(ReadOnlySpan<byte> bytes)
    {
        var buffer = Buffer();
        if (bytes.Length > Capacity - _used)
        {
            FlushBuffer();
            if (bytes.Length >= Capacity)
            {
                // Copying a value larger than the buffer would only add a pass over it.
                _destination.Write(bytes);
                _flushed += bytes.Length;
                return;
            }
        }
        bytes.CopyTo(buffer.AsSpan(_used));
        _used += bytes.Length;
    }

    // Returns room for count bytes (count <= MinBufferBytes); the caller advances _used after writing.
    private Span<byte> Reserve(int count)
    {
        var buffer = Buffer();
        if (Capacity - _used < count)
        {
            FlushBuffer();
        }
        return buffer.AsSpan(_used, count);
    }

    private void TakeField()
    {
        if (_fieldsLeft <= 0)
        {
            throw new InvalidOperationException("More fields were written than the row's StartRow(fieldCount) declared; call StartRow first and keep the count in step with the table's columns.");
        }
        _fieldsLeft--;
    }

    private InvalidOperationException RowIncomplete() =>
        new($"The current row is missing {_fieldsLeft} field(s): write a value or WriteNull() for every column declared in StartRow.");

    private void FlushBuffer()
    {
        if (_used > 0)
        {
            _destination.Write(Buffer(), 0, _used);
            _flushed += _used;
            _used = 0;
        }
    }

    private byte[] Buffer() => _buffer ?? throw new ObjectDisposedException(nameof(PgBinaryCopyWriter));

    // Validates JSON's number grammar and returns where the integer and fraction digits are.
    private static bool TryParseNumber(ReadOnlySpan<byte> s, out bool negative, out Range integer, out Range fraction, out long exponent)
    {
        negative = false;
        integer = fraction = default;
        exponent = 0;
        var pos = 0;
        if (pos < s.Length && s[pos] == '-')
        {
            negative = true;
            pos++;
        }
        if (pos >= s.Length || !IsDigit(s[pos]))
        {
            return false;
        }
        var intStart = pos;
        // JSON allows no leading zeros: a '0' is the whole integer part.
        pos = s[pos] == '0' ? pos + 1 : SkipDigits(s, pos);
        integer = intStart..pos;
        fraction = pos..pos;

        if (pos < s.Length && s[pos] == '.')
        {
            var fracStart = pos + 1;
            pos = SkipDigits(s, fracStart);
            if (pos == fracStart)
            {
                return false;
            }
            fraction = fracStart..pos;
        }

        if (pos < s.Length && (s[pos] == 'e' || s[pos] == 'E'))
        {
            pos++;
            var expNegative = false;
            if (pos < s.Length && (s[pos] == '+' || s[pos] == '-'))
            {
                expNegative = s[pos] == '-';
                pos++;
            }
            var expStart = pos;
            while (pos < s.Length && IsDigit(s[pos]))
            {
                exponent = (exponent * 10) + (s[pos] - '0');
                // PostgreSQL's text input stops at the same bound; it also keeps the arithmetic far from overflow.
                if (exponent >= int.MaxValue / 2)
                {
                    return false;
                }
                pos++;
            }
            if (pos == expStart)
            {
                return false;
            }
            if (expNegative)
            {
                exponent = -exponent;
            }
        }
        return pos == s.Length;
    }

    private static int SkipDigits(ReadOnlySpan<byte> s, int pos)
    {
        var rest = s[pos..].IndexOfAnyExceptInRange((byte)'0', (byte)'9');
        return rest < 0 ? s.Length : pos + rest;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    /// <summary>The integer and fraction digits of a number read as one digit string, without copying them.</summary>
    private readonly ref struct Mantissa
    {
        private readonly ReadOnlySpan<byte> _integer;
        private readonly ReadOnlySpan<byte> _fraction;

        public Mantissa(ReadOnlySpan<byte> integer, ReadOnlySpan<byte> fraction)
        {
            _integer = integer;
            _fraction = fraction;
        }

        public int IntegerLength => _integer.Length;

        public int FractionLength => _fraction.Length;

        /// <summary>The digit at <paramref name="index"/>; positions outside the digits are zeros.</summary>
        public int DigitAt(long index)
        {
            if (index < 0)
            {
                return 0;
            }
            if (index < _integer.Length)
            {
                return _integer[(int)index] - '0';
            }
            index -= _integer.Length;
            return index < _fraction.Length ? _fraction[(int)index] - '0' : 0;
        }

        public int FirstNonZero()
        {
            var i = _integer.IndexOfAnyExcept((byte)'0');
            if (i >= 0)
            {
                return i;
            }
            var f = _fraction.IndexOfAnyExcept((byte)'0');
            return f < 0 ? -1 : _integer.Length + f;
        }

        public int LastNonZero()
        {
            var f = _fraction.LastIndexOfAnyExcept((byte)'0');
            return f >= 0 ? _integer.Length + f : _integer.LastIndexOfAnyExcept((byte)'0');
        }
    }
}
