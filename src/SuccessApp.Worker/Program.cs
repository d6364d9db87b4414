using System.CommandLine;
using System.Runtime.InteropServices;
using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Loading;
using SuccessApp.Etl.Postgres;
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
    DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("SUCCESSAPP_CHUNK_SIZE"), out var size) && size > 0 ? size : 5000,
};
var databaseOption = new Option<string?>("--database-url")
{
    Description = "PostgreSQL to load into (postgres://user:pass@host:port/db or a Npgsql connection string). Default: env DATABASE_URL, else a local PostgreSQL under .successapp/.",
};

var sync = new Command("sync", "Load records into PostgreSQL: migrate, flatten, deduplicate, COPY and merge, and print a summary.")
{
    entityOption, sourceOption, fullRefreshOption, chunkOption, databaseOption,
};
sync.SetAction(async (parse, cancellationToken) =>
{
    var log = new EventLog(Console.Out, Guid.NewGuid());
    var request = new SyncRequest(
        parse.GetValue(entityOption) ?? [],
        parse.GetValue(sourceOption),
        parse.GetValue(fullRefreshOption),
        parse.GetValue(chunkOption),
        parse.GetValue(databaseOption) ?? Environment.GetEnvironmentVariable(Database.UrlVariable));
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
    BenchCommand.Create(),
};

// SIGTERM (Heroku's stop signal) cancels like Ctrl+C: the current chunk commits or rolls back, nothing half-written.
using var stopping = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopping.Cancel();
});
var parseResult = root.Parse(args);
return await parseResult.InvokeAsync(new InvocationConfiguration(), stopping.Token);

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
    catch (Exception ex) when (ex is ArgumentException or FileNotFoundException or EntityBusyException or PostgresNotFoundException or LocalPostgresServerException)
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
