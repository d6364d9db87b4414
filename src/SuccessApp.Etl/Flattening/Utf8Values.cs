namespace SuccessApp.Etl.Flattening;

/// <summary>
/// Strict, allocation-free parsers for the typed values the API sends as JSON strings. Input is the string's
/// already-unescaped UTF-8; nothing is trimmed, and a value that does not match exactly is rejected (false) so the
/// caller can load NULL and write the raw text to the rejects table.
/// </summary>
public static class Utf8Values
{
    private const long TicksPerSecond = TimeSpan.TicksPerSecond;
    private const long TicksPerMinute = TimeSpan.TicksPerMinute;

    // PostgreSQL refuses UTC offsets of 16 hours or more; real zones stay within ±14:00.
    private const int MaxOffsetHours = 15;

    /// <summary>
    /// Parses a UUID in the 36-character hyphenated form (<c>8-4-4-4-12</c>) or as 32 plain hex digits, either
    /// case. Braces, whitespace and any other length (such as the API's 37-character ids) are rejected.
    /// </summary>
    public static bool TryParseUuid(ReadOnlySpan<byte> s, out Guid value)
    {
        value = default;
        Span<byte> bytes = stackalloc byte[16];
        if (s.Length == 36)
        {
            if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
            {
                return false;
            }
            // Hex pairs start at these offsets once the hyphens are stepped over.
            ReadOnlySpan<byte> starts = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
            for (var i = 0; i < 16; i++)
            {
                if (!TryHexByte(s[starts[i]], s[starts[i] + 1], out bytes[i]))
                {
                    return false;
                }
            }
        }
        else if (s.Length == 32)
        {
            for (var i = 0; i < 16; i++)
            {
                if (!TryHexByte(s[2 * i], s[(2 * i) + 1], out bytes[i]))
                {
                    return false;
                }
            }
        }
        else
        {
            return false;
        }
        // The text is in RFC 4122 (network) byte order; Guid's own layout is mixed-endian.
        value = new Guid(bytes, bigEndian: true);
        return true;
    }

    /// <summary>
    /// Parses <c>yyyy-MM-dd HH:mm:ss</c> (the API's form) and RFC 3339 / ISO 8601 date-times: <c>T</c>, <c>t</c> or a
    /// space between date and time; an optional fraction of 1 to 9 digits (digits past the 7th, below 100 ns, are
    /// truncated); an optional <c>Z</c>/<c>z</c>, <c>±hh:mm</c> or <c>±hhmm</c> offset up to ±15:59 (PostgreSQL's
    /// limit). No offset means UTC. The result is converted to UTC and has <see cref="DateTimeKind.Utc"/>.
    /// Rejected: impossible dates (Feb 30), hour 24, leap second 60 (.NET cannot represent it, and rounding it
    /// would invent a value), years outside 0001–9999 before or after applying the offset, and any whitespace.
    /// </summary>
    public static bool TryParseTimestamp(ReadOnlySpan<byte> s, out DateTime utc)
    {
        utc = default;
        if (s.Length < 19 || !TryParseDateCore(s, out var year, out var month, out var day))
        {
            return false;
        }
        var separator = s[10];
        if ((separator != 'T' && separator != 't' && separator != ' ') || s[13] != ':' || s[16] != ':')
        {
            return false;
        }
        if (!TryTwoDigits(s, 11, out var hour) || !TryTwoDigits(s, 14, out var minute) || !TryTwoDigits(s, 17, out var second)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var pos = 19;
        long fractionTicks = 0;
        if (pos < s.Length && s[pos] == '.')
        {
            pos++;
            var digits = 0;
            while (pos < s.Length && IsDigit(s[pos]))
            {
                if (digits < 7)
                {
                    fractionTicks = (fractionTicks * 10) + (s[pos] - '0');
                }
                digits++;
                pos++;
            }
            if (digits is 0 or > 9)
            {
                return false;
            }
            for (var i = digits; i < 7; i++)
            {
                fractionTicks *= 10;
            }
        }

        long offsetTicks = 0;
        if (pos < s.Length)
        {
            var sign = s[pos];
            if (sign is (byte)'Z' or (byte)'z')
            {
                pos++;
            }
            else if (sign is (byte)'+' or (byte)'-')
            {
                // ±hh:mm (6 bytes) or ±hhmm (5 bytes), and nothing after it.
                var rest = s.Length - pos;
                var minutesAt = rest == 6 && s[pos + 3] == ':' ? pos + 4 : rest == 5 ? pos + 3 : -1;
                if (minutesAt < 0 || !TryTwoDigits(s, pos + 1, out var offHours) || !TryTwoDigits(s, minutesAt, out var offMinutes)
                    || offHours > MaxOffsetHours || offMinutes > 59)
                {
                    return false;
                }
                offsetTicks = ((offHours * 60L) + offMinutes) * TicksPerMinute;
                if (sign == '-')
                {
                    offsetTicks = -offsetTicks;
                }
                pos = s.Length;
            }
            if (pos != s.Length)
            {
                return false;
            }
        }

        // Local time minus its offset is UTC; the sum may leave DateTime's range only near 0001 or 9999.
        var local = new DateOnly(year, month, day).DayNumber * TimeSpan.TicksPerDay
            + (hour * TimeSpan.TicksPerHour) + (minute * TicksPerMinute) + (second * TicksPerSecond) + fractionTicks;
        var ticks = local - offsetTicks;
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }
        utc = new DateTime(ticks, DateTimeKind.Utc);
        return true;
    }

    /// <summary>Parses exactly <c>yyyy-MM-dd</c> (years 0001–9999, real calendar dates only).</summary>
    public static bool TryParseDate(ReadOnlySpan<byte> s, out DateOnly value)
    {
        value = default;
        if (s.Length != 10 || !TryParseDateCore(s, out var year, out var month, out var day))
        {
            return false;
        }
        value = new DateOnly(year, month, day);
        return true;
    }

    // Reads and validates the leading yyyy-MM-dd; the caller checks what follows.
    private static bool TryParseDateCore(ReadOnlySpan<byte> s, out int year, out int month, out int day)
    {
        year = month = day = 0;
        if (s.Length < 10 || s[4] != '-' || s[7] != '-'
            || !TryTwoDigits(s, 0, out var century) || !TryTwoDigits(s, 2, out var yy)
            || !TryTwoDigits(s, 5, out month) || !TryTwoDigits(s, 8, out day))
        {
            return false;
        }
        year = (century * 100) + yy;
        return year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month);
    }

    private static bool TryTwoDigits(ReadOnlySpan<byte> s, int at, out int value)
    {
        var hi = s[at] - '0';
        var lo = s[at + 1] - '0';
        value = (hi * 10) + lo;
        return (uint)hi <= 9 && (uint)lo <= 9;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static bool TryHexByte(byte hi, byte lo, out byte value)
    {
        var h = HexValue(hi);
        var l = HexValue(lo);
        value = (byte)((h << 4) | l);
        return (h | l) >= 0;
    }

    private static int HexValue(byte c) => (sbyte)HexDigits[c];

    // The value of each byte as a hex digit, 0xFF (-1 as sbyte) for a byte that is not one: one load per digit.
    private static ReadOnlySpan<byte> HexDigits =>
    [
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 10, 11, 12, 13, 14, 15, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 10, 11, 12, 13, 14, 15, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    ];
}
