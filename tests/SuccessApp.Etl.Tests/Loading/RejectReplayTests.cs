using System.Text.Json.Nodes;
using Npgsql;
using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Loading;
using SuccessApp.Etl.Pipeline;
using SuccessApp.Etl.Tests.Infrastructure;

namespace SuccessApp.Etl.Tests.Loading;

/// <summary>
/// <c>successapp rejects replay</c>: records rejected whole are fed through the current schema again after a fix;
/// those that load are marked in the same transaction as their rows, the others stay pending, nothing is doubled.
/// The schema fixes are real generator runs on edited copies of the shipped schemas, compiled in memory.
/// </summary>
[Collection(PostgresFixture.CollectionName)]
public sealed class RejectReplayTests(PostgresFixture postgres)
{
    private const string Valid1 = """{"id":"ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a","name":"a","updated_at":"2024-01-01 00:00:00","territories":[{"id":"t1","name":"North"}]}""";
    private const string Valid2 = """{"id":"11111111-1111-1111-1111-111111111111","name":"b","updated_at":"2024-01-01 00:00:00"}""";
    private const string TextKey = """{"id":"deal-7","name":"text key","updated_at":"2024-01-03 00:00:00","territories":[{"id":"t2","name":"South"}]}""";
    private const string Truncated = """{"id":"22222222-2222-2222-2222-222222222222","name":"cut off","updated_""";

    [Fact]
    public async Task A_record_rejected_for_its_key_loads_after_the_schema_widens_the_key_and_the_broken_one_stays_pending()
    {
        var db = await postgres.CreateDatabaseAsync("replay");
        var first = await LoadHelper.LoadAsync(db, DealsEntity.Definition, [Valid1, TextKey, Truncated, Valid2]);
        Assert.Equal(2, first.RejectedWhole);
        Assert.Equal(2, await PendingAsync(db));

        // The fix: deals.id is any string, not only a UUID. The migration widens deals.id and every child's parent key.
        var widened = EditedSchemas.CompileDeals(schema => schema["properties"]!["id"] = JsonNode.Parse("""{ "type": "string" }"""));
        await using var dataSource = NpgsqlDataSource.Create(db);
        var migration = await Migrator.MigrateAsync(dataSource, [widened], CancellationToken.None);
        Assert.Contains("deals.id: uuid -> text", migration.RetypedColumns);
        Assert.Contains(migration.RetypedColumns, c => c.StartsWith("deals_territories.", StringComparison.Ordinal));

        var preview = await RejectReplay.PreviewAsync(dataSource, widened, CancellationToken.None);
        Assert.Equal((2L, 1L), (preview.Pending, preview.WouldLoad));
        Assert.StartsWith("malformed JSON", Assert.Single(preview.StillRejected).Reason, StringComparison.Ordinal);
        Assert.Equal(2, await PendingAsync(db)); // a preview writes nothing

        var runId = Guid.NewGuid();
        var replay = await RejectReplay.RunAsync(dataSource, widened, runId, new SyncOptions(), CancellationToken.None);
        Assert.Equal((2L, 1L, 1L), (replay.Pending, replay.Replayed, replay.StillRejected));
        Assert.True(replay.Sync.Reconciles);
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals WHERE id = 'deal-7' AND name = 'text key'"));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals_territories WHERE id = 'deal-7' AND territories_name = 'South'"));
        Assert.Equal(3, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals"));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, $"SELECT count(*) FROM successapp_rejects WHERE replay_run_id = '{runId}' AND raw_value LIKE '%deal-7%'"));
        // The record that is still broken was not stored a second time.
        Assert.Equal(1, await PendingAsync(db));
        Assert.Equal(2, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM successapp_rejects WHERE whole_record"));

        var tables = await LoadHelper.DumpEntityAsync(db, widened);
        var again = await RejectReplay.RunAsync(dataSource, widened, Guid.NewGuid(), new SyncOptions(), CancellationToken.None);
        Assert.Equal((1L, 0L, 1L), (again.Pending, again.Replayed, again.StillRejected));
        Assert.Equal(tables, await LoadHelper.DumpEntityAsync(db, widened));
    }

    [Fact]
    public async Task A_raw_value_repaired_by_hand_loads_on_replay_and_never_over_a_newer_version()
    {
        var db = await postgres.CreateDatabaseAsync("replay_repair");
        await LoadHelper.LoadAsync(db, DealsEntity.Definition, [Valid1, Truncated]);
        // A newer version of the record arrived from the API meanwhile.
        await LoadHelper.LoadAsync(db, DealsEntity.Definition,
            ["""{"id":"22222222-2222-2222-2222-222222222222","name":"newer","updated_at":"2024-02-01 00:00:00"}"""], source: "later.ndjson");
        await LoadHelper.ExecuteAsync(db, """
            UPDATE successapp_rejects SET raw_value = raw_value || 'at":"2024-01-01 00:00:00"}'
            WHERE whole_record AND raw_value LIKE '%cut off%'
            """);
        await LoadHelper.ExecuteAsync(db, """
            INSERT INTO successapp_rejects (run_id, entity, table_name, reason, whole_record, raw_value)
            VALUES (gen_random_uuid(), 'deals', 'deals', 'repaired by hand', true, '{"id":"33333333-3333-3333-3333-333333333333","name":"c","updated_at":"2024-01-01 00:00:00"}')
            """);

        await using var dataSource = NpgsqlDataSource.Create(db);
        var replay = await RejectReplay.RunAsync(dataSource, DealsEntity.Definition, Guid.NewGuid(), new SyncOptions(), CancellationToken.None);

        Assert.Equal((2L, 2L, 0L), (replay.Pending, replay.Replayed, replay.StillRejected));
        // Both loaded; only the new key changed the database, the older version of 2222… did not overwrite the newer.
        Assert.Equal((2L, 1L), (replay.Sync.RecordsLoaded, replay.Sync.RecordsChanged));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals WHERE id = '22222222-2222-2222-2222-222222222222' AND name = 'newer'"));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals WHERE id = '33333333-3333-3333-3333-333333333333'"));
        Assert.Equal(0, await PendingAsync(db));
    }

    [Fact]
    public async Task A_replay_that_fails_midway_keeps_the_committed_marks_and_the_rerun_replays_each_record_once()
    {
        var db = await postgres.CreateDatabaseAsync("replay_fail");
        await LoadHelper.LoadAsync(db, DealsEntity.Definition, [Valid1]);
        for (var i = 0; i < 5; i++)
        {
            await LoadHelper.ExecuteAsync(db, $$"""
                INSERT INTO successapp_rejects (run_id, entity, table_name, reason, whole_record, raw_value)
                VALUES (gen_random_uuid(), 'deals', 'deals', 'repaired by hand', true, '{"id":"0000000{{i}}-0000-0000-0000-000000000000","name":"r{{i}}","updated_at":"2024-01-01 00:00:00"}')
                """);
        }
        await using var dataSource = NpgsqlDataSource.Create(db);
        var chunks = 0;
        // One connection, so a failed chunk leaves none of its rows (over several, the other lanes' rows may stay,
        // unmarked, and are replayed again as no-ops: WriteLaneTests covers that).
        var failing = new SyncOptions
        {
            ChunkSize = 2,
            WriteConnections = 1,
            BeforeCommit = _ =>
            {
                if (++chunks == 2)
                {
                    throw new InvalidOperationException("injected failure in the second chunk's transaction");
                }
            },
        };
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RejectReplay.RunAsync(dataSource, DealsEntity.Definition, Guid.NewGuid(), failing, CancellationToken.None));
        Assert.Contains("injected", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, await PendingAsync(db));
        Assert.Equal(3, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals"));

        var rerun = await RejectReplay.RunAsync(dataSource, DealsEntity.Definition, Guid.NewGuid(), new SyncOptions { ChunkSize = 2 }, CancellationToken.None);
        Assert.Equal((3L, 3L, 0L), (rerun.Pending, rerun.Replayed, rerun.StillRejected));
        Assert.Equal(3, rerun.Sync.RecordsRead);
        Assert.Equal(6, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals"));
        Assert.Equal(5, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM successapp_rejects WHERE replayed_at IS NOT NULL"));
        Assert.Equal(2, await LoadHelper.ScalarAsync(db, "SELECT count(DISTINCT replay_run_id) FROM successapp_rejects"));
    }

    [Fact]
    public async Task A_type_change_that_could_lose_data_stops_the_migration_with_the_column_and_schema_named()
    {
        var db = await postgres.CreateDatabaseAsync("retype");
        await LoadHelper.LoadAsync(db, DealsEntity.Definition, [Valid1, """{"id":"44444444-4444-4444-4444-444444444444","probability":70,"updated_at":"2024-01-01 00:00:00"}"""]);
        await using var dataSource = NpgsqlDataSource.Create(db);

        var narrowed = EditedSchemas.CompileDeals(schema => schema["properties"]!["name"] = JsonNode.Parse("""{ "type": ["integer", "null"] }"""));
        var error = await Assert.ThrowsAsync<SchemaMigrationException>(() => Migrator.MigrateAsync(dataSource, [narrowed], CancellationToken.None));
        Assert.Contains("deals.name is text in the database but bigint in deals.schema.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE \"deals\" ALTER COLUMN \"name\" TYPE bigint USING", error.Message, StringComparison.Ordinal);
        Assert.Equal("text", await TypeAsync(db, "deals", "name")); // nothing of the failed migration was applied

        var widened = EditedSchemas.CompileDeals(schema => schema["properties"]!["probability"] = JsonNode.Parse("""{ "type": ["number", "null"] }"""));
        var migration = await Migrator.MigrateAsync(dataSource, [widened], CancellationToken.None);
        Assert.Equal(["deals.probability: bigint -> numeric"], migration.RetypedColumns);
        Assert.Equal("numeric", await TypeAsync(db, "deals", "probability"));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals WHERE probability = 70"));
        Assert.Equal(2, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals_flat"));
        var result = await LoadHelper.LoadAsync(db, widened, ["""{"id":"55555555-5555-5555-5555-555555555555","probability":12.5,"updated_at":"2024-01-01 00:00:00"}"""], source: "after.ndjson");
        Assert.True(result.Reconciles);
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals WHERE probability = 12.5"));
    }

    private static async Task<long> PendingAsync(string db) =>
        await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM successapp_rejects WHERE whole_record AND replayed_at IS NULL");

    private static async Task<string> TypeAsync(string db, string table, string column)
    {
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT data_type FROM information_schema.columns WHERE table_name = $1 AND column_name = $2", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = column });
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
