using System.Text;
using Npgsql;
using SuccessApp.Etl.Loading;
using SuccessApp.Etl.Pipeline;
using SuccessApp.Etl.Schema;
using SuccessApp.Etl.Sources;
using SuccessApp.Etl.Sources.Http;
using SuccessApp.FakeApi;

namespace SuccessApp.Etl.Tests.Http;

/// <summary>Shared helpers of the HTTP tests: a fake API server, client options with short delays, and readers.</summary>
internal static class ApiTestKit
{
    public const string Token = "tok-3f9c1e7a-never-log-me";

    public static Task<FakeApiServer> StartAsync(int deals = 600, int accounts = 300, int pageSize = 100, IReadOnlyDictionary<string, string>? styles = null, ulong seed = 7) =>
        FakeApiServer.StartAsync(new FakeApiOptions
        {
            Token = Token,
            Seed = seed,
            Records = new Dictionary<string, int> { ["deals"] = deals, ["accounts"] = accounts },
            DefaultPageSize = pageSize,
            StyleOverrides = styles ?? new Dictionary<string, string>(),
        });

    /// <summary>Short delays so retries are quick; generous timeouts so a busy machine does not trip them.</summary>
    public static ApiClientOptions Options(FakeApiServer server, EventSink? events = null, string? token = Token) => new()
    {
        BaseUrl = server.BaseUrl,
        Token = token,
        AttemptTimeout = TimeSpan.FromSeconds(20),
        TotalRequestTimeout = TimeSpan.FromSeconds(120),
        MaxRetries = 6,
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        MaxRetryDelay = TimeSpan.FromMilliseconds(200),
        MaxRetryAfter = TimeSpan.FromSeconds(5),
        BodyIdleTimeout = TimeSpan.FromSeconds(20),
        MaxPageAttempts = 5,
        OnEvent = events is null ? null : events.Add,
    };

    /// <summary>Every frame of a source as "status:json", from <paramref name="checkpoint"/> on, optionally stopping after some.</summary>
    public static async Task<(List<string> Frames, string Checkpoint)> ReadAsync(RecordSource source, string? checkpoint = null, string? maxCursor = null, int? stopAfter = null)
    {
        await source.StartAsync(checkpoint, maxCursor, CancellationToken.None);
        var frames = new List<string>();
        // Bounded: a fake API list is finite and the source pages at most MaxPages.
        while ((stopAfter is null || frames.Count < stopAfter) && await source.ReadNextAsync(CancellationToken.None))
        {
            frames.Add(source.Current.Status + ":" + Encoding.UTF8.GetString(source.Current.Bytes));
        }
        return (frames, source.Checkpoint);
    }

    public static async Task<List<string>> ReadAllAsync(ApiClientOptions options, EntityDefinition entity, string? checkpoint = null, string? maxCursor = null)
    {
        await using var api = ApiClient.Create(options);
        await using var source = api.CreateSource(entity);
        return (await ReadAsync(source, checkpoint, maxCursor)).Frames;
    }

    /// <summary>One sync of one entity from the API into a database through the real pipeline.</summary>
    public static async Task<EntitySyncResult> SyncAsync(string connectionString, EntityDefinition entity, ApiClientOptions options, int chunkSize)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await Migrator.MigrateAsync(dataSource, [entity], CancellationToken.None);
        await using var api = ApiClient.Create(options);
        await using var source = api.CreateSource(entity);
        return await SyncPipeline.RunAsync(dataSource, entity, source, Guid.NewGuid(), new SyncOptions { ChunkSize = chunkSize }, CancellationToken.None);
    }

    public static async Task<(string? Checkpoint, bool Completed, string? MaxCursor)> StateAsync(string connectionString, EntityDefinition entity)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT checkpoint, completed, max_cursor FROM successapp_state WHERE entity = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entity.Name });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no state row for {entity.Name}");
        return (reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    /// <summary>A fault of every kind on its own pages of every entity, each healing after one or two tries.</summary>
    public static FaultRule[] EveryFault(bool includeSlow = true)
    {
        var rules = new List<FaultRule>
        {
            new(FaultKind.TooManyRequests) { Pages = [1], Times = 2, RetryAfterSeconds = 1 },
            new(FaultKind.ServerError) { Pages = [2], Times = 2 },
            new(FaultKind.ResetMidBody) { Pages = [3, 9], Cut = 0.6 },
            new(FaultKind.TruncatedJson) { Pages = [4], Cut = 0.7 },
            new(FaultKind.InvalidJson) { Pages = [5] },
            new(FaultKind.NotJson) { Pages = [6] },
            new(FaultKind.TruncatedJson) { Pages = [8], Cut = 0.05, Times = 2 },
        };
        if (includeSlow)
        {
            // Slow but within the limits: served, just late.
            rules.Add(new FaultRule(FaultKind.SlowResponse) { Pages = [7], Delay = TimeSpan.FromMilliseconds(300) });
            rules.Add(new FaultRule(FaultKind.SlowBody) { Pages = [10], Delay = TimeSpan.FromMilliseconds(400) });
        }
        return [.. rules];
    }
}

/// <summary>Collects the source's events (thread-safe) and renders them as the worker logs them.</summary>
internal sealed class EventSink
{
    private readonly Lock _gate = new();
    private readonly List<ApiEvent> _events = [];

    public void Add(ApiEvent e)
    {
        lock (_gate)
        {
            _events.Add(e);
        }
    }

    public List<ApiEvent> Snapshot()
    {
        lock (_gate)
        {
            return [.. _events];
        }
    }

    public string Text() => string.Join('\n', Snapshot().Select(e => e.ToString()));
}
