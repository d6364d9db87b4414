using Npgsql;
using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Loading;
using SuccessApp.Etl.Pipeline;
using SuccessApp.Etl.Postgres;
using SuccessApp.Etl.Sampling;
using SuccessApp.Etl.Sources;
using SuccessApp.Etl.Tests.Infrastructure;

namespace SuccessApp.Etl.Tests.Faults;

/// <summary>
/// The database failing under the loader: the writing backend terminated mid-COPY, and the whole server restarted
/// mid-run. The chunk is retried on a new connection; no partial chunk is ever visible; the end state equals a
/// clean run.
/// </summary>
[Collection(PostgresFixture.CollectionName)]
public sealed class DatabaseFaultTests(PostgresFixture postgres)
{
    private static readonly string[] Records = Generate(4000);

    // Long enough that the run is still going when the server has been stopped and started again.
    private static readonly string[] ManyRecords = Generate(16000);

    [Fact]
    public async Task The_writing_backend_terminated_repeatedly_mid_run_and_the_tables_still_equal_a_clean_run()
    {
        var clean = await postgres.CreateDatabaseAsync("fault_clean");
        await LoadHelper.LoadAsync(clean, DealsEntity.Definition, Records, chunkSize: 200);
        var db = await postgres.CreateDatabaseAsync("fault_kill");
        var retries = 0;

        var run = LoadWithRetriesAsync(db, () => Interlocked.Increment(ref retries));
        var terminated = 0;
        await using (var admin = new NpgsqlConnection(db))
        {
            await admin.OpenAsync();
            for (var i = 0; i < 400 && !run.IsCompleted && terminated < 3; i++)
            {
                // Kill the writer's backend while it is inside a COPY or the merge of a chunk.
                await using var kill = new NpgsqlCommand("""
                    SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'fault-test'
                      AND (query LIKE 'COPY%' OR query LIKE 'WITH upserted%')
                    """, admin);
                terminated += Convert.ToInt32(await kill.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
                await Task.Delay(25);
            }
        }
        var result = await run;

        Assert.True(terminated > 0, "the test must have terminated the writer at least once");
        // A backend killed after the last chunk costs no retry; one killed mid-run costs at least one.
        Assert.True(retries > 0, $"{terminated} terminations, {retries} retries");
        Assert.True(result.Reconciles);
        Assert.Equal(await LoadHelper.DumpEntityAsync(clean, DealsEntity.Definition), await LoadHelper.DumpEntityAsync(db, DealsEntity.Definition));
    }

    [Fact]
    public async Task A_server_restart_mid_run_is_survived_and_the_tables_equal_a_clean_run()
    {
        var clean = await postgres.CreateDatabaseAsync("restart_clean");
        await LoadHelper.LoadAsync(clean, DealsEntity.Definition, ManyRecords, chunkSize: 200);

        var data = Path.Combine(Path.GetTempPath(), "successapp-restart-" + Guid.NewGuid().ToString("N")[..8]);
        var server = await LocalPostgresServer.StartAsync(new LocalPostgresOptions { DataDirectory = data, Ephemeral = true });
        try
        {
            var port = server.Port;
            var connection = new NpgsqlConnectionStringBuilder(server.ConnectionString) { ApplicationName = "fault-test" }.ConnectionString;
            var retries = 0;
            var run = LoadWithRetriesAsync(connection, () => Interlocked.Increment(ref retries), ManyRecords);
            await WaitForCommittedChunksAsync(connection, 3);

            await server.StopAsync();
            server = await LocalPostgresServer.StartAsync(new LocalPostgresOptions { DataDirectory = data, Port = port, Ephemeral = true });
            var result = await run;
            // The test's own pooled connections died with the old server.
            NpgsqlConnection.ClearAllPools();

            Assert.True(retries > 0, "the restart must have cost at least one retry");
            Assert.True(result.Reconciles);
            Assert.Equal(await LoadHelper.DumpEntityAsync(clean, DealsEntity.Definition), await LoadHelper.DumpEntityAsync(connection, DealsEntity.Definition));
        }
        finally
        {
            await server.StopAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void Only_connection_failures_are_retried()
    {
        Assert.True(EntityWriter.IsConnectionLost(new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01")));
        Assert.True(EntityWriter.IsConnectionLost(new NpgsqlException("Exception while reading from stream", new IOException("reset"))));
        Assert.False(EntityWriter.IsConnectionLost(new PostgresException("invalid input syntax for type json", "ERROR", "ERROR", "22P02")));
        Assert.False(EntityWriter.IsConnectionLost(new PostgresException("duplicate key", "ERROR", "ERROR", "23505")));
    }

    private static async Task<EntitySyncResult> LoadWithRetriesAsync(string connectionString, Action onRetry, string[]? records = null)
    {
        records ??= Records;
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "fault-test" };
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        await Migrator.MigrateAsync(dataSource, [DealsEntity.Definition], CancellationToken.None);
        var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", records)));
        await using var source = new StreamRecordSource(stream, "faults.ndjson");
        return await SyncPipeline.RunAsync(dataSource, DealsEntity.Definition, source, Guid.NewGuid(),
            new SyncOptions { ChunkSize = 200, OnRetry = (_, _, _) => onRetry() }, CancellationToken.None);
    }

    private static async Task WaitForCommittedChunksAsync(string connectionString, int chunks)
    {
        for (var i = 0; i < 2400; i++)
        {
            try
            {
                var checkpoint = await LoadHelper.ScalarAsync(connectionString, "SELECT coalesce(max(checkpoint::bigint), 0) FROM successapp_state");
                if (checkpoint >= chunks * 200L)
                {
                    return;
                }
            }
            catch (PostgresException)
            {
                // The tables are created by the run itself.
            }
            await Task.Delay(25);
        }
        Assert.Fail("the run did not commit the first chunks");
    }

    private static string[] Generate(int records)
    {
        using var output = new StringWriter();
        new SampleDataGenerator(new SampleOptions { Entity = "deals", Records = records, Seed = 5, Anomalies = true }).Write(output);
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
