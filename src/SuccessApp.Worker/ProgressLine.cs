using System.Globalization;
using SuccessApp.Etl.Pipeline;

namespace SuccessApp.Worker;

/// <summary>
/// A live status line for a person at a terminal (on stderr, rewritten in place); never written when output goes to
/// a file or a log drain, where the one-event-per-line log is the record.
/// </summary>
public static class ProgressLine
{
    private static readonly bool Interactive = !Console.IsErrorRedirected && !Console.IsOutputRedirected;

    public static void Show(SyncProgress progress)
    {
        if (!Interactive)
        {
            return;
        }
        var seconds = Math.Max(progress.Elapsed.TotalSeconds, 1e-9);
        var rate = progress.RecordsRead / seconds;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{progress.Entity}: {progress.RecordsRead:N0} records, {rate:N0}/s, {progress.BytesRead / 1048576.0 / seconds:F1} MB/s, {progress.Duplicates:N0} duplicates, {progress.Rejects:N0} rejects");
        if (progress.TotalRecords is { } total && total > 0)
        {
            var done = Math.Min(1.0, progress.RecordsRead / (double)total);
            var eta = rate > 0 ? TimeSpan.FromSeconds((total - progress.RecordsRead) / rate) : TimeSpan.Zero;
            line += string.Create(CultureInfo.InvariantCulture, $", {done:P0}, ETA {eta:hh\\:mm\\:ss}");
        }
        Console.Error.Write("\r" + line.PadRight(Math.Min(Console.BufferWidth > 0 ? Console.BufferWidth - 1 : 100, 160)));
    }

    public static void Clear()
    {
        if (Interactive)
        {
            Console.Error.Write("\r" + new string(' ', 100) + "\r");
        }
    }
}
