using System.Globalization;
using SuccessApp.SchemaTools.Proposal;

namespace SuccessApp.SchemaTools;

/// <summary>The text <c>successapp schema diff</c> prints: what was read, what to add, what conflicts, then the diff.</summary>
public static class SchemaDiffReport
{
    private const int MaxSkippedShown = 10;

    public static void Write(TextWriter output, SchemaDiffResult result)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(result);
        var c = CultureInfo.InvariantCulture;
        var skipped = result.Skipped.Count;
        output.WriteLine(string.Create(c,
            $"{result.Entity}: {result.RecordsRead:N0} records read from {result.Source} ({result.RecordsUsed:N0} used, {skipped:N0} skipped{(result.LimitReached ? "; stopped at --limit" : "")})"));
        output.WriteLine($"schema: {result.SchemaFile}");

        var rows = result.Additions.SelectMany(Rows).ToList();
        var width = Math.Min(40, new[] { 20 }
            .Concat(rows.Select(r => r.Path.Length))
            .Concat(result.Conflicts.Select(x => x.Path.Length))
            .Concat(result.NotProposed.Select(n => n.Path.Length)).Max()) + 2;
        output.WriteLine();
        if (result.Additions.Count == 0)
        {
            output.WriteLine("No properties to add: the schema has every property these records carry.");
        }
        else
        {
            output.WriteLine(string.Create(c, $"Properties to add ({result.Additions.Count}):"));
            foreach (var (path, records, summary, target) in rows)
            {
                output.WriteLine(string.Create(c, $"  {path.PadRight(width)}{records,8:N0} records  {summary}{target}"));
            }
        }
        if (result.Conflicts.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Type conflicts, not edited (such values load as NULL and are kept in successapp_rejects):");
            foreach (var conflict in result.Conflicts)
            {
                output.WriteLine($"  {conflict.Path.PadRight(width)}declared {conflict.Declared} at {conflict.Location}; seen {conflict.Seen}");
            }
        }
        if (result.NotProposed.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Not proposed:");
            foreach (var note in result.NotProposed)
            {
                output.WriteLine(string.Create(c, $"  {note.Path.PadRight(width)}{note.Records,8:N0} records  {note.Reason}"));
            }
        }
        if (skipped > 0)
        {
            output.WriteLine();
            output.WriteLine(string.Create(c, $"Skipped records ({skipped:N0}, left out of the inference):"));
            foreach (var record in result.Skipped.Take(MaxSkippedShown))
            {
                output.WriteLine(string.Create(c, $"  record {record.Record:N0}{(record.Line is { } line ? $", line {line:N0}" : "")}: {record.Reason}"));
            }
            if (skipped > MaxSkippedShown)
            {
                output.WriteLine(string.Create(c, $"  … and {skipped - MaxSkippedShown:N0} more"));
            }
        }
        if (result.Files.Count == 0)
        {
            return;
        }
        output.WriteLine();
        output.Write(result.Diff);
        output.WriteLine();
        var names = string.Join(", ", result.Files.Select(f => f.DisplayPath));
        output.WriteLine(result.Written
            ? $"Wrote {names}. Rebuild (dotnet build) so the generator makes the new columns; the next sync adds them and fills them from _extra."
            : "Nothing written. Review the diff, then run again with --write and rebuild (dotnet build): the next sync adds the new columns and fills them from _extra.");
    }

    /// <summary>The addition's line, then one line for each path inside a new object or array.</summary>
    private static IEnumerable<(string Path, long Records, string Summary, string Target)> Rows(ProposedAddition addition)
    {
        var target = addition.Shared ? $"  -> {addition.Target} (shared definition)" : "";
        yield return (addition.Path, addition.Records, addition.Schema.Summary(), target);
        foreach (var row in Inner(addition.Schema, addition.Path, "  "))
        {
            yield return row;
        }
    }

    private static IEnumerable<(string Path, long Records, string Summary, string Target)> Inner(ProposedSchema schema, string path, string indent)
    {
        if (schema.Items is { } items)
        {
            foreach (var row in Inner(items, path + "[]", indent))
            {
                yield return row;
            }
        }
        foreach (var (name, child) in schema.Properties ?? [])
        {
            var childPath = path + "." + name;
            yield return (indent + childPath, child.Observed.Records, child.Summary(), "");
            foreach (var row in Inner(child, childPath, indent + "  "))
            {
                yield return row;
            }
        }
    }
}
