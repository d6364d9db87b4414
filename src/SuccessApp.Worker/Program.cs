using System.CommandLine;
using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Loading;
using SuccessApp.Etl.Postgres;
using SuccessApp.Etl.Sources.Http;
using SuccessApp.Worker;

var entityOption = new Option<string[]>("--entity", "-e")
{
    Description = "Entity to sync (repeatable); default: every entity in schemas/.",
    AllowMultipleArgumentsPerToken = true,
};
var sourceOption = new Option<string?>("--source", "-s")
{
    Description = "A file of records (NDJSON, a JSON array, or saved API pages {\"data\": [...]}) for the one --entity. Default: the bundled sample of each entity.",
};
var fullRefreshOption = new Option<bool>("--full-refresh")
{
    Description = "Ignore the saved resume position and read the whole source again (idempotent: unchanged records are no-ops).",
};
var chunkOption = new Option<int>("--chunk-size")
{
    Description = "Records per COPY + merge transaction (env SUCCESSAPP_CHUNK_SIZE). Memory grows with this, not with the input.",
    DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("SUCCESSAPP_CHUNK_SIZE"), out var size) && size > 0 ? size : SuccessApp.Etl.Pipeline.SyncOptions.DefaultChunkSize,
};
var memoryOption = new Option<int>("--memory-cap-mb")
{
    Description = "Keep chunk buffers within about this budget (env SUCCESSAPP_MEMORY_CAP_MB; default 512, a 512 MB dyno): a chunk also closes when its text passes an eighth of it.",
    DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("SUCCESSAPP_MEMORY_CAP_MB"), out var cap) && cap > 0 ? cap : 512,
};
var connectionsOption = new Option<int>("--write-connections")
{
    Description = "Connections each chunk is written over, its records split between them by key (env SUCCESSAPP_WRITE_CONNECTIONS; default 2). One PostgreSQL backend uses one core; 1 writes each chunk in a single transaction.",
    DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("SUCCESSAPP_WRITE_CONNECTIONS"), out var lanes) && lanes > 0 ? lanes : SuccessApp.Etl.Pipeline.SyncOptions.DefaultWriteConnections,
};
connectionsOption.Validators.Add(result =>
{
    if (result.GetValueOrDefault<int>() is < 1 or > 16)
    {
        result.AddError("--write-connections must be between 1 and 16.");
    }
});
var databaseOption = new Option<string?>("--database-url")
{
    Description = "PostgreSQL to load into (postgres://user:pass@host:port/db or a Npgsql connection string). Default: env DATABASE_URL, else a local PostgreSQL under .successapp/.",
};

var apiUrlOption = new Option<string?>("--api-url")
{
    Description = "SuccessApp API base URL (env SUCCESSAPP_API_URL): each entity is read from the endpoint in its schema instead of the bundled sample. The bearer token comes from env SUCCESSAPP_API_TOKEN only, never from a flag.",
};

var sync = new Command("sync", "Load records into PostgreSQL: migrate, flatten, deduplicate, COPY and merge, and print a summary.")
{
    entityOption, sourceOption, fullRefreshOption, chunkOption, memoryOption, connectionsOption, databaseOption, apiUrlOption,
};
sync.SetAction(async (parse, cancellationToken) =>
{
    var log = new EventLog(Console.Out, Guid.NewGuid());
    var request = new SyncRequest(
        parse.GetValue(entityOption) ?? [],
        parse.GetValue(sourceOption),
        parse.GetValue(fullRefreshOption),
        parse.GetValue(chunkOption),
        parse.GetValue(databaseOption) ?? Environment.GetEnvironmentVariable(Database.UrlVariable))
    {
        ApiUrl = parse.GetValue(apiUrlOption) ?? Environment.GetEnvironmentVariable(ApiClientOptions.UrlVariable),
        MemoryCapMegabytes = parse.GetValue(memoryOption),
        WriteConnections = parse.GetValue(connectionsOption),
        ApiToken = Environment.GetEnvironmentVariable(ApiClientOptions.TokenVariable),
        AllowInsecureApiHttp = Environment.GetEnvironmentVariable(ApiClientOptions.AllowHttpVariable) is "1" or "true" or "yes",
    };
    return await Run(log, () => SyncCommand.RunAsync(request, log, Console.Out, cancellationToken));
});

var ddlEntityOption = new Option<string[]>("--entity", "-e")
{
    Description = "Only this entity's DDL (repeatable).",
    AllowMultipleArgumentsPerToken = true,
};
var ddl = new Command("ddl", "Print the SQL that sync applies at start (tables, added columns, wide views), without connecting.")
{
    ddlEntityOption,
};
ddl.SetAction(parse =>
{
    var names = parse.GetValue(ddlEntityOption) ?? [];
    var entities = names.Length == 0 ? SchemaRegistry.Entities : [.. names.Select(n => SchemaRegistry.Find(n) ?? throw new ArgumentException($"Unknown entity '{n}'."))];
    foreach (var statement in Migrator.Script(entities))
    {
        Console.Out.WriteLine(statement.TrimEnd() + ";");
        Console.Out.WriteLine();
    }
    return 0;
});

var sampleEntity = new Option<string>("--entity", "-e") { Description = "deals or accounts.", DefaultValueFactory = _ => "deals" };
var sampleRecords = new Option<long>("--records", "-n") { Description = "Lines to write (duplicates and versions included).", DefaultValueFactory = _ => 1000 };
var sampleSeed = new Option<int>("--seed") { Description = "Same seed, same bytes.", DefaultValueFactory = _ => 42 };
var sampleAnomalies = new Option<bool>("--anomalies") { Description = "Sprinkle nulls, missing arrays, unknown fields, invalid ids and bad timestamps." };
var sampleOut = new Option<string?>("--out", "-o") { Description = "File to write; default stdout." };
var sample = new Command("sample", "Write deterministic seed-shaped records as NDJSON (30% exact duplicates, 10% older and 5% newer versions), for tests and benchmarks.")
{
    sampleEntity, sampleRecords, sampleSeed, sampleAnomalies, sampleOut,
};
sample.SetAction(parse =>
{
    var options = new SuccessApp.Etl.Sampling.SampleOptions
    {
        Entity = parse.GetValue(sampleEntity)!,
        Records = parse.GetValue(sampleRecords),
        Seed = parse.GetValue(sampleSeed),
        Anomalies = parse.GetValue(sampleAnomalies),
    };
    options.Validate();
    var generator = new SuccessApp.Etl.Sampling.SampleDataGenerator(options);
    var path = parse.GetValue(sampleOut);
    var stats = path is null ? generator.Write(Console.OpenStandardOutput()) : generator.WriteFile(path);
    Console.Error.WriteLine($"{stats.Lines} lines, {stats.Bytes} bytes: {stats.UniqueKeys} keys, {stats.ExactDuplicates} exact duplicates, {stats.OlderVersions} older and {stats.NewerVersions} newer versions");
    return 0;
});

var root = new RootCommand("successapp: loads SuccessApp API records into PostgreSQL reporting tables, flattened by the schemas in schemas/.")
{
    sync,
    ddl,
    sample,
    RejectsCommand.Create(Run),
    SchemaCommand.Create(),
    BenchCommand.Create(),
};

// SIGTERM (Heroku's stop signal, 30 s before SIGKILL) and Ctrl+C cancel the token the commands run with: the chunk
// being written commits or rolls back, nothing is half-written, and the process exits 0. After 25 s it is forced.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(25) };
return await root.Parse(args).InvokeAsync(invocation);

static async Task<int> Run(EventLog log, Func<Task<int>> action)
{
    try
    {
        return await action();
    }
    catch (OperationCanceledException)
    {
        log.Write("stopped", ("reason", "cancelled; committed chunks are kept and the next run resumes after them"));
        return 0;
    }
    catch (ApiSourceException ex)
    {
        // Chunks committed before the failure stay; the next run resumes at the page that failed.
        log.Write("error", ("message", ex.Message), ("kind", "api"), ("entity", ex.Entity), ("status", ex.StatusCode is { } status ? (int)status : null), ("attempts", ex.Attempts));
        Console.Error.WriteLine("API error: " + ex.Message);
        return 1;
    }
    catch (Exception ex) when (ex is ArgumentException or FileNotFoundException or EntityBusyException or PostgresNotFoundException or LocalPostgresServerException or ApiSettingsException or ChunkWriteException or SchemaMigrationException)
    {
        log.Write("error", ("message", ex.Message));
        Console.Error.WriteLine("error: " + ex.Message);
        return 2;
    }
    catch (Npgsql.NpgsqlException ex)
    {
        log.Write("error", ("message", ex.Message), ("kind", "database"));
        Console.Error.WriteLine("database error: " + ex.Message);
        return 1;
    }
}
