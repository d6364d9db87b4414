using Npgsql;
using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Pipeline;
using SuccessApp.Etl.Sampling;
using SuccessApp.Etl.Tests.Infrastructure;

namespace SuccessApp.Etl.Tests.Loading;

/// <summary>
/// Rows of records whose keys the tables do not hold yet are copied straight in; the others are merged from
/// staging. Both routes must give exactly the tables the merge alone gives, whatever the mix in a chunk.
/// </summary>
[Collection(PostgresFixture.CollectionName)]
public sealed class DirectInsertTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Copying_new_keys_straight_in_gives_the_tables_and_counts_of_the_merge_alone()
    {
        var records = LoadHelper.SampleLines(new SampleOptions { Entity = "deals", Records = 3000, Seed = 7, Anomalies = true });
        // Two passes over overlapping slices: the second finds some keys stored (merged) and some new (copied).
        string[][] passes = [records[..2000], records[1000..]];

        var direct = await postgres.CreateDatabaseAsync("direct");
        var merged = await postgres.CreateDatabaseAsync("merged");
        var directResults = new List<EntitySyncResult>();
        var mergedResults = new List<EntitySyncResult>();
        for (var i = 0; i < passes.Length; i++)
        {
            directResults.Add(await LoadAsync(direct, passes[i], $"pass{i}.ndjson", directInsert: true));
            mergedResults.Add(await LoadAsync(merged, passes[i], $"pass{i}.ndjson", directInsert: false));
        }

        Assert.True(directResults[0].RecordsCopiedDirect > 1000, $"first pass copied {directResults[0].RecordsCopiedDirect} records directly");
        Assert.InRange(directResults[1].RecordsCopiedDirect, 1, directResults[1].RecordsLoaded - 1);
        Assert.All(mergedResults, r => Assert.Equal(0, r.RecordsCopiedDirect));
        for (var i = 0; i < passes.Length; i++)
        {
            Assert.True(directResults[i].Reconciles);
            Assert.Equal(
                (mergedResults[i].RecordsLoaded, mergedResults[i].RecordsChanged, mergedResults[i].RejectRows),
                (directResults[i].RecordsLoaded, directResults[i].RecordsChanged, directResults[i].RejectRows));
            Assert.Equal(mergedResults[i].RowsPerTable, directResults[i].RowsPerTable);
        }
        Assert.Equal(await LoadHelper.DumpEntityAsync(merged, DealsEntity.Definition), await LoadHelper.DumpEntityAsync(direct, DealsEntity.Definition));
        Assert.Equal(await LoadHelper.DumpRejectsAsync(merged), await LoadHelper.DumpRejectsAsync(direct));
    }

    [Fact]
    public async Task A_key_written_by_someone_else_during_the_chunk_makes_the_chunk_fall_back_to_the_merge()
    {
        var db = await postgres.CreateDatabaseAsync("direct_race");
        const string Key = "ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a";
        await LoadHelper.LoadAsync(db, DealsEntity.Definition, ["""{"id":"11111111-1111-1111-1111-111111111111","name":"first","updated_at":"2024-01-01 00:00:00"}"""]);

        // Another session inserts the key and holds its transaction open: the worker does not see the row when it
        // asks which keys exist, then its copy waits on the unique index, and fails once the other commits.
        await using var other = new NpgsqlConnection(db);
        await other.OpenAsync();
        await using var transaction = await other.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand($"INSERT INTO deals (id, name, updated_at, _hash) VALUES ('{Key}', 'outside', '2023-01-01', 0)", other, transaction))
        {
            await insert.ExecuteNonQueryAsync();
        }
        var load = LoadAsync(db, [$$"""{"id":"{{Key}}","name":"from the worker","updated_at":"2024-01-02 00:00:00","tags":["a"]}"""], "race.ndjson", directInsert: true);
        await WaitUntilBlockedAsync(db);
        await transaction.CommitAsync();
        var result = await load;

        Assert.True(result.Reconciles);
        Assert.Equal(0, result.RecordsCopiedDirect);
        Assert.Equal(1, result.DirectFallbacks);
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, $"SELECT count(*) FROM deals WHERE id = '{Key}' AND name = 'from the worker'"));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, $"SELECT count(*) FROM deals_tags WHERE id = '{Key}'"));
    }

    private static async Task WaitUntilBlockedAsync(string db)
    {
        for (var i = 0; i < 600; i++)
        {
            if (await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") > 0)
            {
                return;
            }
            await Task.Delay(50);
        }
        Assert.Fail("The worker's copy never waited on the other session's uncommitted key.");
    }

    private static Task<EntitySyncResult> LoadAsync(string db, IEnumerable<string> records, string source, bool directInsert) =>
        LoadHelper.LoadAsync(db, DealsEntity.Definition, records, source: source, options: new SyncOptions { ChunkSize = 250, DirectInsert = directInsert, RecentRecordEntries = 64 });
}
