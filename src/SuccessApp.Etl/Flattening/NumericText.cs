namespace SuccessApp.Etl.Flattening;

/// <summary>Checks a JSON number's text against PostgreSQL numeric's limits before it is accepted.</summary>
public static class NumericText
{
    // PostgreSQL numeric: up to 131072 digits before the point and 16383 after it.
    private const int MaxIntegerDigits = 131072;
    private const int MaxFractionDigits = 16383;

    /// <summary>True if the (already valid) JSON number fits numeric. Huge exponents are the only way out.</summary>
    public static bool FitsPostgres(ReadOnlySpan<byte> number)
    {
        var e = number.IndexOfAny((byte)'e', (byte)'E');
        if (e < 0)
        {
            return number.Length <= MaxIntegerDigits;
        }
        var mantissa = number[..e];
        var exponentText = number[(e + 1)..];
        if (!System.Buffers.Text.Utf8Parser.TryParse(exponentText, out int exponent, out var consumed) || consumed != exponentText.Length)
        {
            return false;
        }
        var point = mantissa.IndexOf((byte)'.');
        var integerDigits = point < 0 ? mantissa.Length : point;
        var fractionDigits = point < 0 ? 0 : mantissa.Length - point - 1;
        return (long)integerDigits + exponent <= MaxIntegerDigits && (long)fractionDigits - exponent <= MaxFractionDigits;
    }
}
