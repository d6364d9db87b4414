using System.Text.Unicode;
using CsCheck;
using Npgsql;
using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Flattening;
using SuccessApp.Etl.Loading;
using SuccessApp.Etl.Pipeline;
using SuccessApp.Etl.Postgres;
using SuccessApp.Etl.Sources;
using SuccessApp.Etl.Tests.Infrastructure;

namespace SuccessApp.Etl.Tests.Fuzzing;

/// <summary>
/// Mutated records (type swaps, truncation, random bytes, duplicate keys, huge arrays, deep nesting) through the
/// generated flattener and the loader: nothing throws, every input is either loaded or kept in rejects, and what is
/// loaded can always be written to PostgreSQL. SUCCESSAPP_FUZZ_CASES sets the number of cases for a longer run.
/// </summary>
[Collection(PostgresFixture.CollectionName)]
public sealed class FlattenerFuzzTests(PostgresFixture postgres)
{
    private static long Cases => long.TryParse(Environment.GetEnvironmentVariable("SUCCESSAPP_FUZZ_CASES"), out var cases) ? cases : 100_000;

    [Fact]
    public void Mutated_records_are_loaded_or_rejected_and_never_crash_the_flattener()
    {
        using var batch = new DealsBatch();
        var ran = 0L;
        RecordMutations.Mutated.Sample(mutation =>
        {
            if (batch.Counters.Records >= 2000 || batch.Context.Arena.Length > 64 << 20)
            {
                batch.Clear();
            }
            var rejectsBefore = batch.Context.Rejects.Count;
            var (deals, territories, tags) = (batch.Deals.Count, batch.DealsTerritories.Count, batch.DealsTags.Count);
            var outcome = batch.Add(mutation.Bytes);
            ran++;

            if (outcome == RecordOutcome.Rejected)
            {
                // Nothing of it loaded, and the whole input is kept, byte for byte.
                var reject = batch.Context.Rejects[batch.Context.Rejects.Count - 1];
                Assert.True(reject.Whole);
                Assert.True(batch.Context.Arena[reject.Raw].SequenceEqual(mutation.Bytes), mutation.Kind);
            }
            for (var i = rejectsBefore; i < batch.Context.Rejects.Count; i++)
            {
                Assert.False(batch.Context.Rejects[i].Path.IsNull, mutation.Kind);
            }
            // Whatever this record loaded is valid PostgreSQL input: UTF-8 without NUL, jsonb it accepts.
            var arena = batch.Context.Arena;
            for (var i = deals; i < batch.Deals.Count; i++)
            {
                ref readonly var row = ref batch.Deals[i];
                AssertStorable(arena[row.Name], mutation.Kind);
                AssertStorable(arena[row.Extra], mutation.Kind);
                AssertStorable(arena[row.CustomFields], mutation.Kind);
            }
            for (var i = territories; i < batch.DealsTerritories.Count; i++)
            {
                AssertStorable(arena[batch.DealsTerritories[i].Extra], mutation.Kind);
            }
            for (var i = tags; i < batch.DealsTags.Count; i++)
            {
                AssertStorable(arena[batch.DealsTags[i].Tags], mutation.Kind);
            }
        }, iter: Cases, threads: 1);

        Assert.Equal(Cases, ran);
    }

    [Fact]
    public async Task Mutated_records_through_the_loader_reconcile_and_every_unloadable_one_is_in_rejects()
    {
        var db = await postgres.CreateDatabaseAsync("fuzz");
        var lines = new List<byte[]>();
        RecordMutations.Mutated.Sample(m =>
        {
            // One record per line: a mutation that adds a line break or leaves nothing is not one NDJSON record.
            if (m.Bytes.AsSpan().IndexOf((byte)'\n') < 0 && m.Bytes.AsSpan().Trim(" \t\r"u8).Length > 0)
            {
                lines.Add(m.Bytes);
            }
        }, iter: 1500, threads: 1, seed: "0000000000010");

        // What the flattener alone says of each line: the database must end up with exactly these whole rejects.
        using var classifier = new DealsBatch();
        var unloadable = lines.Where(line =>
        {
            classifier.Clear();
            return classifier.Add(line) == RecordOutcome.Rejected;
        }).ToList();

        await using var dataSource = NpgsqlDataSource.Create(db);
        await Migrator.MigrateAsync(dataSource, [DealsEntity.Definition], CancellationToken.None);
        var ndjson = new RecordFramerOptions { Format = RecordFormat.Ndjson };
        await using var source = new StreamRecordSource(new MemoryStream(lines.SelectMany(l => l.Append((byte)'\n')).ToArray()), "fuzz.ndjson", ndjson);
        var result = await SyncPipeline.RunAsync(dataSource, DealsEntity.Definition, source, Guid.NewGuid(), new SyncOptions { ChunkSize = 100 }, CancellationToken.None);

        Assert.True(result.Reconciles, "read = loaded + older versions + duplicates + rejected");
        Assert.Equal(lines.Count, result.RecordsRead);
        Assert.Equal(unloadable.Count, result.RejectedWhole);
        // Identical unloadable inputs are kept once; different ones are all kept.
        var distinct = unloadable.Select(Convert.ToHexString).Distinct().Count();
        Assert.Equal(distinct, await LoadHelper.ScalarAsync(db,
            "SELECT count(*) FROM (SELECT DISTINCT raw_value, raw_bytes FROM successapp_rejects WHERE whole_record) r"));
        Assert.True(await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals") > 0);
    }

    private static void AssertStorable(ReadOnlySpan<byte> text, string kind)
    {
        Assert.True(Utf8.IsValid(text), kind + ": invalid UTF-8 reached a column");
        Assert.True(text.IndexOf((byte)0) < 0, kind + ": NUL reached a column");
        Assert.True(JsonbText.IsStorable(text) || text.IndexOf((byte)'\\') < 0, kind + ": a value jsonb refuses reached a column");
    }
}
