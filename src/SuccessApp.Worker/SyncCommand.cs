using System.Diagnostics;
using System.Globalization;
using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Loading;
using SuccessApp.Etl.Pipeline;
using SuccessApp.Etl.Schema;
using SuccessApp.Etl.Sources;
using SuccessApp.Etl.Sources.Http;

namespace SuccessApp.Worker;

/// <summary>What <c>successapp sync</c> was asked to do.</summary>
public sealed record SyncRequest(IReadOnlyList<string> Entities, string? Source, bool FullRefresh, int ChunkSize, string? DatabaseUrl)
{
    /// <summary>SuccessApp API base URL (<c>--api-url</c> or <c>SUCCESSAPP_API_URL</c>): each entity is read from its endpoint.</summary>
    public string? ApiUrl { get; init; }

    /// <summary>
    /// Memory budget in MB: two chunks are in memory at once (one parsed, one written), so a chunk closes when its
    /// text passes an eighth of the budget, leaving room for rows, the dedup cache and the runtime.
    /// </summary>
    public int MemoryCapMegabytes { get; init; } = 512;

    /// <summary>Connections each chunk is written over (<c>--write-connections</c>, <c>SUCCESSAPP_WRITE_CONNECTIONS</c>).</summary>
    public int WriteConnections { get; init; } = SyncOptions.DefaultWriteConnections;

    /// <summary>Bearer token (<c>SUCCESSAPP_API_TOKEN</c>); never printed.</summary>
    public string? ApiToken { get; init; }

    /// <summary><c>SUCCESSAPP_API_ALLOW_HTTP=1</c>: plain http:// to a host that is not loopback.</summary>
    public bool AllowInsecureApiHttp { get; init; }

    /// <summary>Timeouts and retry budgets of the API client (tests shorten them); null: the defaults.</summary>
    public Func<ApiClientOptions, ApiClientOptions>? ConfigureApi { get; init; }
}

/// <summary>
/// <c>successapp sync</c>: migrate, then load every requested entity from its source and print a summary that
/// accounts for every record read. Each entity reads from <c>--source</c> when given, else from the SuccessApp API
/// when <c>--api-url</c> / <c>SUCCESSAPP_API_URL</c> is set, else from its bundled sample file.
/// </summary>
public static class SyncCommand
{
    public static async Task<int> RunAsync(SyncRequest request, EventLog log, TextWriter output, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var entities = SelectEntities(request.Entities);
        if (request.Source is not null && entities.Count != 1)
        {
            throw new ArgumentException($"--source holds the records of one entity: name it with --entity (one of {string.Join(", ", SchemaRegistry.Entities.Select(e => e.Name))}).");
        }

        await using var dataSource = await Database.OpenAsync(log, request.DatabaseUrl, cancellationToken);
        await MigrateAsync(dataSource, entities, log, cancellationToken);

        var options = new SyncOptions
        {
            ChunkSize = request.ChunkSize,
            MaxChunkTextBytes = (int)Math.Clamp(request.MemoryCapMegabytes * 1048576L / 8, 4L << 20, 256L << 20),
            FullRefresh = request.FullRefresh,
            WriteConnections = request.WriteConnections,
            Progress = p =>
            {
                log.Write("chunk", ("entity", p.Entity), ("records", p.RecordsRead), ("rows", p.RowsWritten),
                    ("duplicates", p.Duplicates), ("rejects", p.Rejects), ("records_per_s", Rate(p.RecordsRead, p.Elapsed)));
                ProgressLine.Show(p);
            },
        };
        await using var api = request.Source is null && !string.IsNullOrWhiteSpace(request.ApiUrl) ? CreateApi(request, log) : null;
        var results = new List<EntitySyncResult>();
        foreach (var entity in entities)
        {
            if (api is not null)
            {
                await using var apiSource = api.CreateSource(entity, options.Framer);
                log.Write("sync_start", ("entity", entity.Name), ("source", apiSource.Name), ("pagination", apiSource.Settings.Style.ToString().ToLowerInvariant()),
                    ("write_connections", options.WriteConnections));
                var apiResult = await SyncPipeline.RunAsync(dataSource, entity, apiSource, log.RunId, options, cancellationToken);
                results.Add(apiResult);
                LogDone(log, entity, apiResult, apiSource.PagesRead, apiSource.PageRestarts);
                continue;
            }
            var path = request.Source ?? SamplePath(entity);
            if (path is null)
            {
                log.Write("skip", ("entity", entity.Name), ("reason", "no --source given and no bundled sample"));
                continue;
            }
            var fullPath = Path.GetFullPath(path);
            if (!File.Exists(fullPath))
            {
                throw new FileNotFoundException($"Source file for '{entity.Name}' not found: {fullPath}", fullPath);
            }
            log.Write("sync_start", ("entity", entity.Name), ("source", fullPath), ("write_connections", options.WriteConnections));
            var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            await using var source = new StreamRecordSource(stream, fullPath, RecordFramerOptions.ForFile(fullPath, options.Framer));
            var result = await SyncPipeline.RunAsync(dataSource, entity, source, log.RunId, options, cancellationToken);
            results.Add(result);
            LogDone(log, entity, result, null, null);
        }

        ProgressLine.Clear();
        Summary.Print(output, results, clock.Elapsed);
        return results.All(r => r.Reconciles) ? 0 : 3;
    }

    private static void LogDone(EventLog log, EntityDefinition entity, EntitySyncResult result, int? pages, int? pageRestarts)
    {
        var fields = new List<(string, object?)>
        {
            ("entity", entity.Name), ("records", result.RecordsRead), ("loaded", result.RecordsLoaded),
            ("changed", result.RecordsChanged), ("duplicates", result.Duplicates), ("stale", result.Stale),
            ("rejected", result.RejectedWhole), ("reject_rows", result.RejectRows), ("copied_direct", result.RecordsCopiedDirect),
            ("direct_fallbacks", result.DirectFallbacks), ("seconds", result.Elapsed.TotalSeconds),
            ("waiting_for_database_s", Math.Round(result.WaitingForDatabase.TotalSeconds, 2)), ("waiting_for_source_s", Math.Round(result.WaitingForSource.TotalSeconds, 2)),
        };
        if (pages is not null)
        {
            fields.Add(("pages", pages));
            fields.Add(("page_restarts", pageRestarts));
        }
        log.Write("sync_done", [.. fields]);
    }

    private static ApiClient CreateApi(SyncRequest request, EventLog log)
    {
        var options = new ApiClientOptions
        {
            BaseUrl = ApiClientOptions.ParseBaseUrl(request.ApiUrl!),
            Token = string.IsNullOrWhiteSpace(request.ApiToken) ? null : request.ApiToken.Trim(),
            AllowInsecureHttp = request.AllowInsecureApiHttp,
            OnEvent = e => log.Write("api_" + e.Name, ("entity", e.Entity), ("endpoint", e.Endpoint), ("attempt", e.Attempt),
                ("status", e.Status), ("delay_ms", e.Delay is { } d ? Math.Round(d.TotalMilliseconds) : null), ("reason", e.Reason)),
        };
        options = request.ConfigureApi?.Invoke(options) ?? options;
        var api = ApiClient.Create(options);
        log.Write("api", ("url", ApiUrls.Redact(options.BaseUrl)), ("token", options.Token is null ? "not set" : "set"));
        return api;
    }

    /// <summary>Migrates the entities' tables and logs what changed (tables created, columns added, widened, backfilled).</summary>
    internal static async Task MigrateAsync(Npgsql.NpgsqlDataSource dataSource, IReadOnlyList<EntityDefinition> entities, EventLog log, CancellationToken cancellationToken)
    {
        log.Write("migrate", ("entities", string.Join(",", entities.Select(e => e.Name))));
        var migration = await Migrator.MigrateAsync(dataSource, entities, cancellationToken);
        if (migration.CreatedTables.Count + migration.AddedColumns.Count + migration.RetypedColumns.Count > 0)
        {
            log.Write("migrated", ("created_tables", string.Join(",", migration.CreatedTables)), ("added_columns", string.Join(",", migration.AddedColumns)),
                ("widened_columns", string.Join(",", migration.RetypedColumns)), ("backfilled_values", migration.BackfilledValues));
        }
    }

    internal static List<EntityDefinition> SelectEntities(IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            return [.. SchemaRegistry.Entities];
        }
        return [.. names.Select(name => SchemaRegistry.Find(name)
            ?? throw new ArgumentException($"Unknown entity '{name}'. Known: {string.Join(", ", SchemaRegistry.Entities.Select(e => e.Name))}."))];
    }

    private static string? SamplePath(EntityDefinition entity)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "samples", entity.Name + ".ndjson");
        return File.Exists(path) ? path : null;
    }

    internal static string Rate(long count, TimeSpan elapsed) =>
        elapsed.TotalSeconds <= 0 ? "0" : (count / elapsed.TotalSeconds).ToString("0", CultureInfo.InvariantCulture);
}
