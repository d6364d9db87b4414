using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Sampling;
using SuccessApp.Etl.Tests.Infrastructure;

namespace SuccessApp.Etl.Tests.Worker;

/// <summary>
/// The worker as a process, stopped the two ways a dyno stops: SIGTERM (it must commit or roll back the chunk in
/// hand and exit 0) and SIGKILL (nothing to do but die). Either way, a rerun must give the tables of a clean run.
/// </summary>
[Collection(PostgresFixture.CollectionName)]
public sealed class StopAndResumeTests(PostgresFixture postgres, StopAndResumeTests.Input input) : IClassFixture<StopAndResumeTests.Input>
{
    /// <summary>One input file and one clean run serve every test of the class; the file is deleted afterwards.</summary>
    public sealed class Input : IDisposable
    {
        public string File { get; } = Path.Combine(Path.GetTempPath(), $"successapp-stop-{Guid.NewGuid():N}.ndjson");

        public Dictionary<string, List<string>>? Clean { get; set; }

        public void Dispose() => System.IO.File.Delete(File);
    }

    private readonly string _file = input.File;

    [Fact]
    public async Task Sigterm_mid_run_commits_the_chunk_in_hand_exits_0_and_a_rerun_converges()
    {
        Generate(6000);
        var clean = await CleanRunAsync();
        var db = await postgres.CreateDatabaseAsync("sigterm");
        await WorkerProcess.SlowDownEachChunkAsync(db);

        var (exit, stopped, rerun) = await WorkerProcess.StopThenRerunAsync(() => Start(db), WorkerProcess.SigTerm, chunks: 3, betweenRuns: async () =>
        {
            Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM successapp_state WHERE NOT completed"));
            await WorkerProcess.StopSlowingDownAsync(db);
        });
        Assert.Equal(0, exit);
        Assert.Contains("event=stopped", stopped, StringComparison.Ordinal);
        Assert.Contains("resumed after checkpoint", rerun, StringComparison.Ordinal);
        Assert.Equal(clean, await LoadHelper.DumpEntityAsync(db, DealsEntity.Definition));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(9)]
    public async Task Kill_9_after_some_chunks_and_a_rerun_give_the_tables_of_a_clean_run(int chunks)
    {
        Generate(6000);
        var clean = await CleanRunAsync();
        var db = await postgres.CreateDatabaseAsync("kill9");
        await WorkerProcess.SlowDownEachChunkAsync(db);

        await WorkerProcess.StopThenRerunAsync(() => Start(db), WorkerProcess.SigKill, chunks, betweenRuns: () => WorkerProcess.StopSlowingDownAsync(db));
        Assert.Equal(clean, await LoadHelper.DumpEntityAsync(db, DealsEntity.Definition));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM successapp_state WHERE completed"));
    }

    private void Generate(int records)
    {
        if (!File.Exists(_file))
        {
            new SampleDataGenerator(new SampleOptions { Entity = "deals", Records = records, Seed = 11, Anomalies = true }).WriteFile(_file);
        }
    }

    private async Task<Dictionary<string, List<string>>> CleanRunAsync()
    {
        if (input.Clean is not null)
        {
            return input.Clean;
        }
        var db = await postgres.CreateDatabaseAsync("clean");
        using var worker = Start(db);
        Assert.Equal(0, await worker.WaitForExitAsync());
        return input.Clean = await LoadHelper.DumpEntityAsync(db, DealsEntity.Definition);
    }

    private WorkerProcess Start(string connectionString) => WorkerProcess.Start(
        ["sync", "--entity", "deals", "--source", _file, "--chunk-size", "250"],
        new Dictionary<string, string?> { ["DATABASE_URL"] = connectionString });
}
