namespace SuccessApp.Etl.Flattening;

/// <summary>
/// What PostgreSQL's jsonb refuses although the JSON reader let it through: bytes that are not UTF-8 (the reader
/// does not check the inside of strings it skips), the escape <c>\u0000</c> and unpaired surrogate escapes
/// (<c>\uD800</c> alone). Such a value would fail the whole COPY, so it goes to rejects instead.
/// </summary>
public static class JsonbText
{
    public static bool IsStorable(ReadOnlySpan<byte> json)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json) || json.IndexOf((byte)0) >= 0)
        {
            return false;
        }
        var at = json.IndexOf((byte)'\\');
        if (at < 0)
        {
            return true;
        }
        var pendingHigh = false;
        for (var i = at; i < json.Length; i++)
        {
            if (json[i] != (byte)'\\')
            {
                if (pendingHigh)
                {
                    return false;
                }
                continue;
            }
            if (i + 1 >= json.Length)
            {
                return false;
            }
            if (json[i + 1] != (byte)'u')
            {
                if (pendingHigh)
                {
                    return false;
                }
                i++;
                continue;
            }
            if (i + 5 >= json.Length || !TryHex(json.Slice(i + 2, 4), out var code))
            {
                return false;
            }
            i += 5;
            if (code == 0)
            {
                return false;
            }
            var high = code is >= 0xD800 and <= 0xDBFF;
            var low = code is >= 0xDC00 and <= 0xDFFF;
            if (low != pendingHigh || (high && pendingHigh))
            {
                return false;
            }
            pendingHigh = high;
        }
        return !pendingHigh;
    }

    private static bool TryHex(ReadOnlySpan<byte> hex, out int value)
    {
        value = 0;
        foreach (var b in hex)
        {
            var digit = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                _ => -1,
            };
            if (digit < 0)
            {
                return false;
            }
            value = (value << 4) | digit;
        }
        return true;
    }
}
