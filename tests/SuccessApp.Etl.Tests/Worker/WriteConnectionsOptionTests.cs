using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Sampling;
using SuccessApp.Etl.Tests.Infrastructure;

namespace SuccessApp.Etl.Tests.Worker;

/// <summary><c>--write-connections</c> and <c>SUCCESSAPP_WRITE_CONNECTIONS</c>, through the worker process.</summary>
[Collection(PostgresFixture.CollectionName)]
public sealed class WriteConnectionsOptionTests(PostgresFixture postgres) : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"successapp-lanes-{Guid.NewGuid():N}.ndjson");

    [Fact]
    public async Task The_variable_sets_the_connections_and_the_flag_overrides_it_with_the_same_tables()
    {
        new SampleDataGenerator(new SampleOptions { Entity = "deals", Records = 1500, Seed = 19, Anomalies = true }).WriteFile(_file);
        var fromVariable = await postgres.CreateDatabaseAsync("lanes_env");
        var fromFlag = await postgres.CreateDatabaseAsync("lanes_flag");

        var three = await RunAsync(fromVariable, [], "3");
        var one = await RunAsync(fromFlag, ["--write-connections", "1"], "3");

        Assert.Contains("write_connections=3", three, StringComparison.Ordinal);
        Assert.Contains("write_connections=1", one, StringComparison.Ordinal);
        Assert.Equal(await LoadHelper.DumpEntityAsync(fromFlag, DealsEntity.Definition), await LoadHelper.DumpEntityAsync(fromVariable, DealsEntity.Definition));
        Assert.Equal(await LoadHelper.DumpRejectsAsync(fromFlag), await LoadHelper.DumpRejectsAsync(fromVariable));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("17")]
    public async Task A_count_out_of_range_is_refused_before_anything_is_written(string count)
    {
        File.WriteAllText(_file, """{"id":"11111111-1111-1111-1111-111111111111","name":"one","updated_at":"2024-01-01 00:00:00"}""" + "\n");
        var db = await postgres.CreateDatabaseAsync("lanes_bad");
        using var worker = WorkerProcess.Start(
            ["sync", "--entity", "deals", "--source", _file, "--write-connections", count],
            new Dictionary<string, string?> { ["DATABASE_URL"] = db });
        Assert.NotEqual(0, await worker.WaitForExitAsync());
        Assert.Contains("--write-connections must be between 1 and 16", worker.Output, StringComparison.Ordinal);
        Assert.Equal(0, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'deals'"));
    }

    private async Task<string> RunAsync(string db, string[] flags, string variable)
    {
        using var worker = WorkerProcess.Start(
            ["sync", "--entity", "deals", "--source", _file, "--chunk-size", "200", .. flags],
            new Dictionary<string, string?> { ["DATABASE_URL"] = db, ["SUCCESSAPP_WRITE_CONNECTIONS"] = variable });
        Assert.Equal(0, await worker.WaitForExitAsync());
        return worker.Output;
    }

    public void Dispose() => File.Delete(_file);
}
