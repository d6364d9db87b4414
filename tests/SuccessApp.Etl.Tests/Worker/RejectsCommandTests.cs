using Npgsql;
using SuccessApp.Etl.Tests.Infrastructure;

namespace SuccessApp.Etl.Tests.Worker;

/// <summary><c>successapp rejects list | replay</c> as an operator runs them: the real worker process on a real database.</summary>
[Collection(PostgresFixture.CollectionName)]
public sealed class RejectsCommandTests(PostgresFixture postgres)
{
    [Fact]
    public async Task An_operator_lists_rejects_repairs_one_and_replays_it()
    {
        var db = await postgres.CreateDatabaseAsync("rejects_cli");
        var file = Path.Combine(Path.GetTempPath(), $"rejects-cli-{Guid.NewGuid():N}.ndjson");
        await File.WriteAllLinesAsync(file,
        [
            """{"id":"ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a","name":"a","updated_at":"2024-01-01 00:00:00"}""",
            """{"id":"22222222-2222-2222-2222-222222222222","name":"cut off","updated_""",
            """[1, 2]""",
        ]);
        try
        {
            Assert.Equal(0, await RunAsync(db, "sync", "-e", "deals", "--source", file));

            var list = await RunOutputAsync(db, 0, "rejects", "list", "-e", "deals");
            Assert.Contains("deals        record         1         0  not a complete JSON value (line N, byte N)", list, StringComparison.Ordinal);
            Assert.Contains("deals        record         1         0  the record is not a JSON object", list, StringComparison.Ordinal);

            await using (var connection = new NpgsqlConnection(db))
            {
                await connection.OpenAsync();
                await using var repair = new NpgsqlCommand("""UPDATE successapp_rejects SET raw_value = raw_value || 'at":"2024-01-01 00:00:00"}' WHERE raw_value LIKE '%cut off%'""", connection);
                Assert.Equal(1, await repair.ExecuteNonQueryAsync());
            }

            var preview = await RunOutputAsync(db, 0, "rejects", "replay", "-e", "deals", "--dry-run");
            Assert.Contains("deals: 2 rejected records pending; the current schema would load 1", preview, StringComparison.Ordinal);
            Assert.Contains("1 rejected again: the record is not a JSON object", preview, StringComparison.Ordinal);
            Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals"));

            var replay = await RunOutputAsync(db, 0, "rejects", "replay", "-e", "deals");
            Assert.Contains("deals: 2 rejected records pending, 1 replayed, 1 still rejected (left pending)", replay, StringComparison.Ordinal);
            Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals WHERE name = 'cut off'"));

            var after = await RunOutputAsync(db, 0, "rejects", "list", "-e", "deals");
            Assert.Contains("deals        record         0         1  not a complete JSON value (line N, byte N)", after, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<int> RunAsync(string db, params string[] arguments)
    {
        using var worker = WorkerProcess.Start([.. arguments, "--database-url", db], new Dictionary<string, string?>());
        return await worker.WaitForExitAsync();
    }

    private static async Task<string> RunOutputAsync(string db, int expectedExit, params string[] arguments)
    {
        using var worker = WorkerProcess.Start([.. arguments, "--database-url", db], new Dictionary<string, string?>());
        var exit = await worker.WaitForExitAsync();
        Assert.True(exit == expectedExit, $"successapp {string.Join(' ', arguments)} exited {exit}:\n{worker.Output}");
        return worker.Output;
    }
}
