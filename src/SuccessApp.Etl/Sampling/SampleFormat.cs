namespace SuccessApp.Etl.Sampling;

/// <summary>
/// Writes the API's value shapes straight into UTF-8 spans: hand-rolled because culture-free digit writing is both
/// the invariant form by construction and several times faster than custom format strings in the hot loop.
/// </summary>
internal static class SampleFormat
{
    public const int UuidLength = 36;
    public const int TimestampLength = 19;
    public const int DateLength = 10;

    private static ReadOnlySpan<byte> Hex => "0123456789abcdef"u8;

    /// <summary>A random version-4 UUID, lower-case and hyphenated (8-4-4-4-12).</summary>
    public static void Uuid(ref SampleRng rng, Span<byte> destination)
    {
        var hi = rng.NextUInt64();
        var lo = rng.NextUInt64();
        hi = (hi & 0xFFFF_FFFF_FFFF_0FFFUL) | 0x0000_0000_0000_4000UL;
        lo = (lo & 0x3FFF_FFFF_FFFF_FFFFUL) | 0x8000_0000_0000_0000UL;
        var pos = 0;
        for (var nibble = 0; nibble < 32; nibble++)
        {
            if (nibble is 8 or 12 or 16 or 20)
            {
                destination[pos++] = (byte)'-';
            }
            var word = nibble < 16 ? hi : lo;
            var shift = 60 - ((nibble & 15) * 4);
            destination[pos++] = Hex[(int)((word >> shift) & 0xF)];
        }
    }

    /// <summary><c>yyyy-MM-dd HH:mm:ss</c> for seconds since the Unix epoch, UTC.</summary>
    public static void Timestamp(long unixSeconds, Span<byte> destination)
    {
        var days = Math.DivRem(unixSeconds, 86400, out var secondOfDay);
        Date(days, destination);
        destination[10] = (byte)' ';
        Two((int)(secondOfDay / 3600), destination[11..]);
        destination[13] = (byte)':';
        Two((int)(secondOfDay / 60 % 60), destination[14..]);
        destination[16] = (byte)':';
        Two((int)(secondOfDay % 60), destination[17..]);
    }

    /// <summary><c>yyyy-MM-dd</c> for days since the Unix epoch.</summary>
    public static void Date(long unixDays, Span<byte> destination)
    {
        DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + (int)unixDays)
            .Deconstruct(out var year, out var month, out var day);
        Two(year / 100, destination);
        Two(year % 100, destination[2..]);
        destination[4] = (byte)'-';
        Two(month, destination[5..]);
        destination[7] = (byte)'-';
        Two(day, destination[8..]);
    }

    /// <summary>Cents as a JSON number with exactly two decimals (<c>1234.50</c>, <c>-0.05</c>); returns the length.</summary>
    public static int Money(long cents, Span<byte> destination)
    {
        var pos = 0;
        if (cents < 0)
        {
            destination[pos++] = (byte)'-';
            cents = -cents;
        }
        var whole = cents / 100;
        Span<byte> digits = stackalloc byte[20];
        var n = 0;
        do
        {
            digits[n++] = (byte)('0' + (whole % 10));
            whole /= 10;
        }
        while (whole > 0);
        while (n > 0)
        {
            destination[pos++] = digits[--n];
        }
        destination[pos++] = (byte)'.';
        Two((int)(cents % 100), destination[pos..]);
        return pos + 2;
    }

    private static void Two(int value, Span<byte> destination)
    {
        destination[0] = (byte)('0' + (value / 10));
        destination[1] = (byte)('0' + (value % 10));
    }
}
