using System.Globalization;
using System.Text;

namespace SuccessApp.Worker;

/// <summary>
/// One event per line on stdout (<c>time=… run=… event=… key=value …</c>), the form Heroku's log drains and
/// grep both read. Values with spaces are quoted. Secrets never reach it: callers pass redacted values only.
/// </summary>
public sealed class EventLog(TextWriter output, Guid runId)
{
    private readonly Lock _gate = new();

    public Guid RunId { get; } = runId;

    public void Write(string name, params (string Key, object? Value)[] fields)
    {
        var line = new StringBuilder(128);
        line.Append("time=").Append(DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        line.Append(" run=").Append(RunId.ToString("N")[..12]);
        line.Append(" event=").Append(name);
        foreach (var (key, value) in fields)
        {
            line.Append(' ').Append(key).Append('=').Append(Format(value));
        }
        lock (_gate)
        {
            output.WriteLine(line.ToString());
            output.Flush();
        }
    }

    private static string Format(object? value)
    {
        var text = value switch
        {
            null => "",
            double d => d.ToString("0.##", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        return text.Length == 0 || text.AsSpan().IndexOfAny(" \"=") >= 0
            ? "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""
            : text;
    }
}
