using System.Text;
using Npgsql;
using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Flattening;
using SuccessApp.Etl.Loading;
using SuccessApp.Etl.Pipeline;
using SuccessApp.Etl.Sampling;
using SuccessApp.Etl.Tests.Infrastructure;

namespace SuccessApp.Etl.Tests.Loading;

/// <summary>
/// A chunk is written over several connections, its records split by key. The tables, rejects and counts must be
/// those of one connection, and a lane that fails must never leave a saved position ahead of rows not written.
/// </summary>
[Collection(PostgresFixture.CollectionName)]
public sealed class WriteLaneTests(PostgresFixture postgres)
{
    private const int ChunkSize = 250;

    [Fact]
    public void Every_version_of_a_key_falls_in_one_lane_and_the_lanes_share_the_records()
    {
        var records = LoadHelper.SampleLines(new SampleOptions { Entity = "deals", Records = 2000, Seed = 3 });
        var perLane = new int[3];
        var laneOfKey = new Dictionary<string, int>();
        foreach (var line in records)
        {
            var (key, hash) = KeyOf(line);
            var owners = Enumerable.Range(0, 3).Where(i => new WriteLane(i, 3).Owns(hash)).ToList();
            var lane = Assert.Single(owners);
            Assert.Equal(laneOfKey.GetValueOrDefault(key, lane), lane);
            laneOfKey[key] = lane;
            perLane[lane]++;
        }
        Assert.True(WriteLane.All.Owns(KeyOf(records[0]).Hash));
        // A hash split: each lane gets about a third (2000 records; 3 standard deviations is about 190).
        Assert.All(perLane, n => Assert.InRange(n, 2000 / 3 - 190, 2000 / 3 + 190));
    }

    [Fact]
    public async Task Writing_over_three_connections_gives_the_tables_rejects_and_counts_of_one()
    {
        var records = LoadHelper.SampleLines(new SampleOptions { Entity = "deals", Records = 3000, Seed = 11, Anomalies = true });
        // Two passes over overlapping slices: the second merges some keys and copies others in, in every lane.
        string[][] passes = [records[..2000], records[1000..]];
        var one = await postgres.CreateDatabaseAsync("lanes1");
        var three = await postgres.CreateDatabaseAsync("lanes3");
        for (var i = 0; i < passes.Length; i++)
        {
            var single = await LoadAsync(one, passes[i], $"pass{i}.ndjson", lanes: 1);
            var laned = await LoadAsync(three, passes[i], $"pass{i}.ndjson", lanes: 3);
            Assert.True(laned.Reconciles);
            Assert.True(laned.RejectRows > 0, "the anomalies give value and whole-record rejects");
            Assert.Equal(
                (single.RecordsRead, single.RecordsLoaded, single.RecordsChanged, single.RejectRows, single.RecordsCopiedDirect, single.Chunks),
                (laned.RecordsRead, laned.RecordsLoaded, laned.RecordsChanged, laned.RejectRows, laned.RecordsCopiedDirect, laned.Chunks));
            Assert.Equal(single.RowsPerTable, laned.RowsPerTable);
        }
        Assert.Equal(await LoadHelper.DumpEntityAsync(one, DealsEntity.Definition), await LoadHelper.DumpEntityAsync(three, DealsEntity.Definition));
        Assert.Equal(await LoadHelper.DumpRejectsAsync(one), await LoadHelper.DumpRejectsAsync(three));
        Assert.Equal(await DumpStateAsync(one), await DumpStateAsync(three));

        // Each lane commits its own transaction: three connections leave about three times the transactions.
        var transactionsOne = await LoadHelper.ScalarAsync(one, "SELECT count(DISTINCT xmin::text) FROM deals");
        var transactionsThree = await LoadHelper.ScalarAsync(three, "SELECT count(DISTINCT xmin::text) FROM deals");
        Assert.True(transactionsThree >= 2 * transactionsOne, $"{transactionsThree} transactions wrote deals over three lanes, {transactionsOne} over one");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task A_lane_that_fails_leaves_the_position_at_the_last_chunk_every_lane_committed(int failingLane)
    {
        var records = LoadHelper.SampleLines(new SampleOptions { Entity = "deals", Records = 1000, Seed = 5 });
        // The third chunk's first new key in the failing lane gets a trigger that makes its insert fail.
        var seen = new HashSet<string>();
        string? victim = null;
        for (var i = 0; i < records.Length && victim is null; i++)
        {
            var (key, hash) = KeyOf(records[i]);
            if (seen.Add(key) && i >= 2 * ChunkSize && i < 3 * ChunkSize && new WriteLane(failingLane, 2).Owns(hash))
            {
                victim = key;
            }
        }
        Assert.NotNull(victim);

        var db = await postgres.CreateDatabaseAsync("lane_fault");
        var clean = await postgres.CreateDatabaseAsync("lane_clean");
        await LoadAsync(clean, records, "deals.ndjson", lanes: 2);
        await using (var dataSource = NpgsqlDataSource.Create(db))
        {
            await Migrator.MigrateAsync(dataSource, [DealsEntity.Definition], CancellationToken.None);
        }
        await LoadHelper.ExecuteAsync(db, $$"""
            CREATE FUNCTION refuse_victim() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused %', NEW.id; END $$;
            CREATE TRIGGER refuse BEFORE INSERT ON deals FOR EACH ROW WHEN (NEW.id = '{{victim}}') EXECUTE FUNCTION refuse_victim();
            """);

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => LoadAsync(db, records, "deals.ndjson", lanes: 2));
        Assert.Contains($"refused {victim}", failure.ToString(), StringComparison.Ordinal);

        // Chunks 1 and 2 are committed and the position is theirs; of chunk 3, only the lane that did not fail may have
        // committed, and only when it is not the primary (the primary commits last).
        var secondChunkKeys = records[..(2 * ChunkSize)].Select(r => KeyOf(r).Key).ToHashSet();
        var thirdChunk = records[(2 * ChunkSize)..(3 * ChunkSize)].Select(KeyOf).Where(k => !secondChunkKeys.Contains(k.Key)).ToList();
        var stored = await StoredKeysAsync(db);
        Assert.True(secondChunkKeys.IsSubsetOf(stored), "the first two chunks are committed");
        var storedOfThird = thirdChunk.Where(k => stored.Contains(k.Key)).ToList();
        Assert.DoesNotContain(storedOfThird, k => new WriteLane(0, 2).Owns(k.Hash));
        if (failingLane == 0)
        {
            Assert.NotEmpty(storedOfThird);
        }
        else
        {
            Assert.Empty(storedOfThird);
        }
        var firstThreeChunks = records[..(3 * ChunkSize)].Select(r => KeyOf(r).Key).ToHashSet();
        Assert.DoesNotContain(stored, k => !firstThreeChunks.Contains(k));

        await LoadHelper.ExecuteAsync(db, "DROP TRIGGER refuse ON deals");
        var rerun = await LoadAsync(db, records, "deals.ndjson", lanes: 2);
        Assert.NotNull(rerun.ResumedFrom);
        Assert.Equal(records.Length - 2 * ChunkSize, rerun.RecordsRead);
        Assert.True(rerun.Reconciles);
        Assert.Equal(await LoadHelper.DumpEntityAsync(clean, DealsEntity.Definition), await LoadHelper.DumpEntityAsync(db, DealsEntity.Definition));
    }

    private static (string Key, ulong Hash) KeyOf(string line)
    {
        using var batch = DealsEntity.Definition.CreateBatch();
        Assert.Equal(RecordOutcome.Accepted, batch.Add(Encoding.UTF8.GetBytes(line)));
        using var json = System.Text.Json.JsonDocument.Parse(line);
        return (json.RootElement.GetProperty("id").GetString()!, batch.KeyHashOf(0));
    }

    private static async Task<HashSet<string>> StoredKeysAsync(string db) => [.. await LoadHelper.QueryAsync(db, "SELECT id::text FROM deals")];

    private static Task<EntitySyncResult> LoadAsync(string db, IEnumerable<string> records, string source, int lanes) =>
        LoadHelper.LoadAsync(db, DealsEntity.Definition, records, source: source, options: new SyncOptions { ChunkSize = ChunkSize, WriteConnections = lanes, RecentRecordEntries = 64 });

    private static async Task<List<string>> DumpStateAsync(string db) =>
        await LoadHelper.QueryAsync(db, "SELECT concat_ws('|', entity, source, checkpoint, completed, max_cursor) FROM successapp_state ORDER BY 1");
}
