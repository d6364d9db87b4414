using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SuccessApp.Etl.Loading;
using SuccessApp.Etl.Pipeline;

namespace SuccessApp.Worker;

/// <summary>
/// <c>successapp rejects list | replay</c>: what is in <c>successapp_rejects</c>, and loading the records that were
/// rejected whole once the schema is fixed and rebuilt (or a stored raw value was repaired by hand).
/// </summary>
public static class RejectsCommand
{
    public static Command Create(Func<EventLog, Func<Task<int>>, Task<int>> run)
    {
        var database = new Option<string?>("--database-url")
        {
            Description = "PostgreSQL holding the rejects (default: env DATABASE_URL, else the local PostgreSQL under .successapp/).",
        };

        var listEntity = new Option<string?>("--entity", "-e") { Description = "Only this entity's rejects." };
        var list = new Command("list", "Count rejects per entity, kind (whole record or value) and reason: pending a replay, and replayed.")
        {
            listEntity, database,
        };
        list.SetAction(async (parse, cancellationToken) =>
        {
            var log = new EventLog(Console.Error, Guid.NewGuid());
            return await run(log, async () =>
            {
                await using var dataSource = await Database.OpenAsync(log, DatabaseUrl(parse.GetValue(database)), cancellationToken);
                await SyncCommand.MigrateAsync(dataSource, SyncCommand.SelectEntities([]), log, cancellationToken);
                PrintList(Console.Out, await RejectReplay.ListAsync(dataSource, parse.GetValue(listEntity), cancellationToken));
                return 0;
            });
        });

        var replayEntity = new Option<string[]>("--entity", "-e")
        {
            Description = "Entity whose rejected records to replay (repeatable); default: every entity.",
            AllowMultipleArgumentsPerToken = true,
        };
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = "Only say how many pending rejects the current schema would load, and why the others would be rejected again.",
        };
        var chunk = new Option<int>("--chunk-size") { Description = "Records per COPY + merge transaction.", DefaultValueFactory = _ => SyncOptions.DefaultChunkSize };
        var replay = new Command("replay",
            "Feed the records rejected whole (malformed JSON, no valid key) through the current schema again: those that load now are " +
            "merged like any sync (never over a newer version) and marked replayed in the same transaction; the others stay pending. " +
            "Run it after fixing the schema and rebuilding, or after repairing a raw_value by hand. Value rejects are not replayed: " +
            "their record is loaded; sync the source again to fill the value in.")
        {
            replayEntity, dryRun, chunk, database,
        };
        replay.SetAction(async (parse, cancellationToken) =>
        {
            var log = new EventLog(Console.Out, Guid.NewGuid());
            return await run(log, async () =>
            {
                var entities = SyncCommand.SelectEntities(parse.GetValue(replayEntity) ?? []);
                await using var dataSource = await Database.OpenAsync(log, DatabaseUrl(parse.GetValue(database)), cancellationToken);
                await SyncCommand.MigrateAsync(dataSource, entities, log, cancellationToken);
                if (parse.GetValue(dryRun))
                {
                    foreach (var entity in entities)
                    {
                        PrintPreview(Console.Out, await RejectReplay.PreviewAsync(dataSource, entity, cancellationToken));
                    }
                    return 0;
                }
                var clock = Stopwatch.StartNew();
                var options = new SyncOptions { ChunkSize = parse.GetValue(chunk) };
                var replays = new List<ReplayResult>();
                foreach (var entity in entities)
                {
                    log.Write("replay_start", ("entity", entity.Name));
                    var result = await RejectReplay.RunAsync(dataSource, entity, log.RunId, options, cancellationToken);
                    log.Write("replay_done", ("entity", entity.Name), ("pending", result.Pending), ("replayed", result.Replayed),
                        ("still_rejected", result.StillRejected), ("loaded", result.Sync.RecordsLoaded), ("changed", result.Sync.RecordsChanged));
                    replays.Add(result);
                }
                Summary.Print(Console.Out, [.. replays.Select(r => r.Sync)], clock.Elapsed);
                foreach (var r in replays)
                {
                    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{r.Entity}: {r.Pending:N0} rejected records pending, {r.Replayed:N0} replayed, {r.StillRejected:N0} still rejected (left pending)"));
                }
                return replays.All(r => r.Sync.Reconciles) ? 0 : 3;
            });
        });

        return new Command("rejects", "Inspect the rejects table and replay rejected records after a schema fix.") { list, replay };
    }

    private static string? DatabaseUrl(string? option) => option ?? Environment.GetEnvironmentVariable(Database.UrlVariable);

    internal static void PrintList(TextWriter output, IReadOnlyList<RejectSummary> rows)
    {
        if (rows.Count == 0)
        {
            output.WriteLine("No rejects.");
            return;
        }
        output.WriteLine($"{"entity",-12} {"kind",-6} {"pending",9} {"replayed",9}  reason");
        foreach (var row in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row.Entity,-12} {(row.WholeRecord ? "record" : "value"),-6} {row.Pending,9:N0} {row.Replayed,9:N0}  {Shorten(row.Reason)}"));
        }
    }

    internal static void PrintPreview(TextWriter output, ReplayPreview preview)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{preview.Entity}: {preview.Pending:N0} rejected records pending; the current schema would load {preview.WouldLoad:N0}"));
        foreach (var (reason, count) in preview.StillRejected)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {count,9:N0} rejected again: {Shorten(reason)}"));
        }
    }

    private static string Shorten(string reason) => reason.Length <= 120 ? reason : reason[..117] + "...";
}
