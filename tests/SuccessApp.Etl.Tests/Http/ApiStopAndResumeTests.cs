using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Tests.Infrastructure;
using SuccessApp.FakeApi;

namespace SuccessApp.Etl.Tests.Http;

/// <summary>
/// The worker process reading from the fake SuccessApp API over real HTTP, stopped by SIGTERM or SIGKILL part-way:
/// a rerun against the same API resumes at the committed page and ends with the tables of a clean run.
/// </summary>
[Collection(PostgresFixture.CollectionName)]
public sealed class ApiStopAndResumeTests(PostgresFixture postgres) : IAsyncLifetime
{
    private FakeApiServer? _api;
    private Dictionary<string, List<string>>? _clean;

    public async Task InitializeAsync()
    {
        _api = await ApiTestKit.StartAsync(deals: 3000, accounts: 10, pageSize: 50);
        var db = await postgres.CreateDatabaseAsync("api_clean");
        using var worker = Start(db);
        Assert.Equal(0, await worker.WaitForExitAsync());
        Assert.DoesNotContain(ApiTestKit.Token, worker.Output, StringComparison.Ordinal);
        _clean = await LoadHelper.DumpEntityAsync(db, DealsEntity.Definition);
    }

    public async Task DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }
    }

    [Fact]
    public async Task Sigterm_mid_run_exits_0_and_a_rerun_resumes_from_the_api_and_converges()
    {
        var db = await postgres.CreateDatabaseAsync("api_sigterm");
        await WorkerProcess.SlowDownEachChunkAsync(db);
        var (exit, stopped, rerun) = await WorkerProcess.StopThenRerunAsync(() => Start(db), WorkerProcess.SigTerm, chunks: 3, betweenRuns: () => WorkerProcess.StopSlowingDownAsync(db));
        Assert.Equal(0, exit);
        Assert.Contains("event=stopped", stopped, StringComparison.Ordinal);
        Assert.Contains("resumed after checkpoint", rerun, StringComparison.Ordinal);
        Assert.Equal(_clean, await LoadHelper.DumpEntityAsync(db, DealsEntity.Definition));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(7)]
    public async Task Kill_9_mid_run_and_a_rerun_against_the_api_give_the_tables_of_a_clean_run(int chunks)
    {
        var db = await postgres.CreateDatabaseAsync("api_kill9");
        await WorkerProcess.SlowDownEachChunkAsync(db);
        await WorkerProcess.StopThenRerunAsync(() => Start(db), WorkerProcess.SigKill, chunks, betweenRuns: () => WorkerProcess.StopSlowingDownAsync(db));
        Assert.Equal(_clean, await LoadHelper.DumpEntityAsync(db, DealsEntity.Definition));
    }

    private WorkerProcess Start(string connectionString) => WorkerProcess.Start(
        ["sync", "--entity", "deals", "--chunk-size", "100"],
        new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = connectionString,
            ["SUCCESSAPP_API_URL"] = _api!.BaseUrl.ToString(),
            ["SUCCESSAPP_API_TOKEN"] = ApiTestKit.Token,
        });
}
