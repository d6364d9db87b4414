using System.Globalization;
using SuccessApp.Etl.Pipeline;

namespace SuccessApp.Worker;

/// <summary>The human-readable end of a sync: every record read accounted for, rows per table, drift, cost.</summary>
public static class Summary
{
    public static void Print(TextWriter output, IReadOnlyList<EntitySyncResult> results, TimeSpan elapsed)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine("SuccessApp sync summary");
        output.WriteLine("=======================");
        foreach (var r in results)
        {
            output.WriteLine();
            output.WriteLine($"{r.Entity}  ({r.Source}{(r.ResumedFrom is { } from ? $", resumed after checkpoint {from}" : "")})");
            output.WriteLine(string.Create(c, $"  records read        {r.RecordsRead,10:N0}"));
            output.WriteLine(string.Create(c, $"  loaded              {r.RecordsLoaded,10:N0}   (changed in the database: {r.RecordsChanged:N0})"));
            output.WriteLine(string.Create(c, $"  duplicates dropped  {r.Duplicates,10:N0}"));
            output.WriteLine(string.Create(c, $"  older versions      {r.Stale + r.Superseded,10:N0}   (newest version of each key kept)"));
            output.WriteLine(string.Create(c, $"  rejected whole      {r.RejectedWhole,10:N0}   (kept in successapp_rejects)"));
            output.WriteLine(string.Create(c, $"  reject rows         {r.RejectRows,10:N0}   (values loaded as NULL, raw value kept)"));
            output.WriteLine($"  reconciles          {(r.Reconciles ? "yes" : "NO")}   (read = loaded + older versions + duplicates + rejected)");
            output.WriteLine("  rows written per table:");
            foreach (var (table, rows) in r.RowsPerTable)
            {
                output.WriteLine(string.Create(c, $"    {table,-34} {rows,10:N0}"));
            }
            if (r.UnknownFields.Count > 0)
            {
                output.WriteLine("  fields not in the schema (kept in _extra):");
                foreach (var field in r.UnknownFields)
                {
                    output.WriteLine(string.Create(c, $"    {field.Table}.{field.Path,-30} {field.Count,8:N0}x  {string.Join("/", field.JsonTypes)}"));
                }
            }
            if (r.NulCharactersStripped > 0)
            {
                output.WriteLine(string.Create(c, $"  \\u0000 removed from text: {r.NulCharactersStripped:N0}"));
            }
            output.WriteLine(string.Create(c, $"  elapsed             {r.Elapsed.TotalSeconds,10:F2} s   ({SyncCommand.Rate(r.RecordsRead, r.Elapsed)} records/s, {r.BytesRead / 1048576.0 / Math.Max(r.Elapsed.TotalSeconds, 1e-9):F1} MB/s)"));
        }
        output.WriteLine();
        output.WriteLine(string.Create(c, $"total elapsed {elapsed.TotalSeconds:F2} s, peak memory {PeakResidentMegabytes():F0} MB"));
    }

    /// <summary>Peak resident set size (VmHWM) of this process, the number a dyno's memory limit is measured in.</summary>
    public static double PeakResidentMegabytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kb = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                    return kb / 1024.0;
                }
            }
        }
        catch (IOException)
        {
        }
        return System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
    }
}
