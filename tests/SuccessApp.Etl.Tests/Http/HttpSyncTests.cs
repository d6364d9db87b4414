using System.Globalization;
using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Schema;
using SuccessApp.Etl.Sources.Http;
using SuccessApp.Etl.Tests.Infrastructure;
using SuccessApp.FakeApi;
using SuccessApp.FakeApi.Data;
using SuccessApp.Worker;

namespace SuccessApp.Etl.Tests.Http;

/// <summary>From the fake API through the whole pipeline into a real PostgreSQL: faults, failures, resume, incremental runs.</summary>
[Collection(PostgresFixture.CollectionName)]
public sealed class HttpSyncTests(PostgresFixture postgres)
{
    private static readonly EntityDefinition[] Entities = [DealsEntity.Definition, AccountsEntity.Definition];

    [Fact]
    public async Task A_run_through_every_fault_mode_ends_with_the_tables_of_a_clean_run()
    {
        await using var server = await ApiTestKit.StartAsync(deals: 700, accounts: 1100, pageSize: 50);
        var clean = await postgres.CreateDatabaseAsync("http_clean");
        var faulty = await postgres.CreateDatabaseAsync("http_faulty");
        foreach (var entity in Entities)
        {
            await ApiTestKit.SyncAsync(clean, entity, ApiTestKit.Options(server), chunkSize: 170);
        }

        server.Faults.Add(ApiTestKit.EveryFault());
        var events = new EventSink();
        foreach (var entity in Entities)
        {
            var result = await ApiTestKit.SyncAsync(faulty, entity, ApiTestKit.Options(server, events), chunkSize: 170);
            Assert.True(result.Reconciles);
            Assert.Equal(server.Dataset(entity.Name).Emissions.Count, result.RecordsRead);
        }

        Assert.Equal(Enum.GetValues<FaultKind>().Order(), server.Faults.Injected.Select(f => f.Kind).Distinct().Order());
        foreach (var entity in Entities)
        {
            var expected = await LoadHelper.DumpEntityAsync(clean, entity);
            Assert.Equal(server.Dataset(entity.Name).Keys, expected[entity.Root.Name].Count);
            Assert.Equal(expected, await LoadHelper.DumpEntityAsync(faulty, entity));
        }
        Assert.DoesNotContain(ApiTestKit.Token, events.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_newest_version_of_each_record_is_loaded_and_unknown_fields_are_kept()
    {
        await using var server = await ApiTestKit.StartAsync(deals: 400, pageSize: 50);
        var db = await postgres.CreateDatabaseAsync("http_versions");
        var result = await ApiTestKit.SyncAsync(db, DealsEntity.Definition, ApiTestKit.Options(server), chunkSize: 120);

        var data = server.Dataset("deals");
        Assert.True(data.Duplicates > 0 && data.Updates > 0);
        Assert.Equal(data.Emissions.Count, result.RecordsRead);
        Assert.Equal(data.Keys, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals"));
        Assert.Contains(result.UnknownFields, f => f.Path == "priority");
        Assert.True(await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals WHERE _extra ? 'priority'") > 0);
        // Every stored row is the newest version the API sent for its key.
        var newest = FakeDataset.UpdatedAt(data.Emissions.Where(e => e.Key == data.Emissions[^1].Key).Max(e => e.Origin));
        var id = Id(data, data.Emissions[^1].Key);
        Assert.Equal(1, await LoadHelper.ScalarAsync(db,
            $"SELECT count(*) FROM deals WHERE id = '{id}' AND updated_at = '{newest:yyyy-MM-dd HH:mm:ss}+00'"));
    }

    [Fact]
    public async Task A_permanent_failure_keeps_committed_chunks_and_a_rerun_resumes_and_converges()
    {
        await using var server = await ApiTestKit.StartAsync(deals: 900, pageSize: 50);
        var clean = await postgres.CreateDatabaseAsync("http_resume_clean");
        await ApiTestKit.SyncAsync(clean, DealsEntity.Definition, ApiTestKit.Options(server), chunkSize: 130);

        var db = await postgres.CreateDatabaseAsync("http_resume");
        server.Faults.Add(new FaultRule(FaultKind.ServerError) { FromPage = 9, Times = FaultRule.Forever });
        var error = await Assert.ThrowsAsync<ApiSourceException>(() => ApiTestKit.SyncAsync(db, DealsEntity.Definition, ApiTestKit.Options(server), chunkSize: 130));
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, error.StatusCode);

        // Pages 0-8 hold 450 records: the chunks of 130 completed before the failure are in, with their position.
        var (checkpoint, completed, maxCursor) = await ApiTestKit.StateAsync(db, DealsEntity.Definition);
        Assert.False(completed);
        Assert.NotNull(maxCursor);
        Assert.NotNull(checkpoint);
        Assert.EndsWith("|" + (390 % 50).ToString(CultureInfo.InvariantCulture), checkpoint, StringComparison.Ordinal);
        Assert.True(await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals") > 0);

        server.Faults.Clear();
        var before = server.Requests.Count;
        var rerun = await ApiTestKit.SyncAsync(db, DealsEntity.Definition, ApiTestKit.Options(server), chunkSize: 130);

        Assert.Equal(checkpoint, rerun.ResumedFrom);
        Assert.Equal(checkpoint[..checkpoint.LastIndexOf('|')], server.Requests[before].Target);
        Assert.Equal(server.Dataset("deals").Emissions.Count - 390, rerun.RecordsRead);
        Assert.Equal(await LoadHelper.DumpEntityAsync(clean, DealsEntity.Definition), await LoadHelper.DumpEntityAsync(db, DealsEntity.Definition));
        Assert.True((await ApiTestKit.StateAsync(db, DealsEntity.Definition)).Completed);
    }

    [Fact]
    public async Task After_a_complete_run_the_next_one_asks_only_for_changes_since_the_stored_cursor()
    {
        await using var server = await ApiTestKit.StartAsync(accounts: 500);
        var db = await postgres.CreateDatabaseAsync("http_incremental");
        await ApiTestKit.SyncAsync(db, AccountsEntity.Definition, ApiTestKit.Options(server), chunkSize: 200);
        var tables = await LoadHelper.DumpEntityAsync(db, AccountsEntity.Definition);
        var (_, completed, maxCursor) = await ApiTestKit.StateAsync(db, AccountsEntity.Definition);
        Assert.True(completed);

        var before = server.Requests.Count;
        var second = await ApiTestKit.SyncAsync(db, AccountsEntity.Definition, ApiTestKit.Options(server), chunkSize: 200);

        var data = server.Dataset("accounts");
        Assert.Equal(data.NewestUpdate, DateTime.Parse(maxCursor!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal));
        var since = data.NewestUpdate.AddSeconds(-300);
        Assert.Equal($"/v1/accounts?updated_since={Uri.EscapeDataString(FakeDataset.Format(since))}&per_page=100&page=1", server.Requests[before].Target);
        Assert.Equal(data.Select(since).Length, second.RecordsRead);
        Assert.Equal(0, second.RecordsChanged);
        Assert.Equal(tables, await LoadHelper.DumpEntityAsync(db, AccountsEntity.Definition));
    }

    [Fact]
    public async Task The_worker_syncs_every_entity_from_the_api_and_never_prints_the_token()
    {
        await using var server = await ApiTestKit.StartAsync(deals: 500, accounts: 300, pageSize: 50);
        server.Faults.Add(
            new FaultRule(FaultKind.ServerError) { Pages = [1] },
            new FaultRule(FaultKind.TruncatedJson) { Pages = [2] },
            new FaultRule(FaultKind.ResetMidBody) { Pages = [3] });
        var db = await postgres.CreateDatabaseAsync("http_worker");
        var output = new StringWriter();
        var log = new EventLog(output, Guid.NewGuid());
        var request = new SyncRequest([], null, false, 150, db)
        {
            ApiUrl = server.BaseUrl.ToString(),
            ApiToken = ApiTestKit.Token,
            ConfigureApi = o => new ApiClientOptions { BaseUrl = o.BaseUrl, Token = o.Token, OnEvent = o.OnEvent, RetryBaseDelay = TimeSpan.FromMilliseconds(20) },
        };

        var exit = await SyncCommand.RunAsync(request, log, output, CancellationToken.None);

        var text = output.ToString();
        Assert.Equal(0, exit);
        Assert.DoesNotContain(ApiTestKit.Token, text, StringComparison.Ordinal);
        Assert.Contains("event=api url=" + server.BaseUrl + " token=set", text, StringComparison.Ordinal);
        Assert.Contains("event=api_retry entity=deals", text, StringComparison.Ordinal);
        Assert.Contains("event=api_page_restart entity=deals", text, StringComparison.Ordinal);
        foreach (var entity in SchemaRegistry.Entities)
        {
            Assert.Contains($"event=sync_start entity={entity.Name} source={server.BaseUrl}{ApiSettings.FromEntity(entity).Endpoint.TrimStart('/')}", text, StringComparison.Ordinal);
            Assert.Equal(server.Dataset(entity.Name).Keys, await LoadHelper.ScalarAsync(db, $"SELECT count(*) FROM \"{entity.Root.Name}\""));
        }
        Assert.All(server.Requests, r => Assert.True(r.Authorized));
    }

    private static string Id(FakeDataset data, int key)
    {
        var rng = Rng.For(data.Seed, "deal", key);
        return rng.Uuid();
    }
}
