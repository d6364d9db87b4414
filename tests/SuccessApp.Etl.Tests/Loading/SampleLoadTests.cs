using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Schema;
using SuccessApp.Etl.Tests.Infrastructure;
using SuccessApp.Etl.Tests.Sampling;

namespace SuccessApp.Etl.Tests.Loading;

/// <summary>
/// The bundled samples (the README's main command loads them) land in exactly the rows they should: checked against
/// an independent flattening of the same lines by PostgreSQL, and against hand-computed facts about the sample.
/// </summary>
[Collection(PostgresFixture.CollectionName)]
public sealed class SampleLoadTests(PostgresFixture postgres)
{
    public static TheoryData<string> Entities => ["deals", "accounts"];

    [Theory]
    [MemberData(nameof(Entities))]
    public async Task The_sample_loads_into_the_rows_an_independent_flattening_gives(string name)
    {
        var entity = SchemaRegistry.Find(name)!;
        var lines = File.ReadAllLines(SamplingPaths.Sample(name + ".ndjson"));
        var db = await postgres.CreateDatabaseAsync("sample_" + name);

        // Small chunks, so versions of one key meet across chunks and in the database too.
        var result = await LoadHelper.LoadAsync(db, entity, lines, chunkSize: 37);
        var loaded = await LoadHelper.DumpEntityAsync(db, entity);
        var expected = await SqlOracle.ExpectedAsync(db, entity, lines);

        Assert.True(result.Reconciles, "read = loaded + older versions + duplicates + rejected");
        Assert.Equal(lines.Length, result.RecordsRead);
        foreach (var table in entity.Tables)
        {
            var actual = loaded[table.Name].Select(WithoutExtra).ToList();
            var want = expected[table.Name];
            var missing = want.Except(actual).Take(5).ToList();
            var unexpected = actual.Except(want).Take(5).ToList();
            Assert.True(missing.Count == 0 && unexpected.Count == 0 && actual.Count == want.Count,
                $"{table.Name}: {actual.Count} rows loaded, {want.Count} expected.\nmissing: {string.Join("\n  ", missing)}\nunexpected: {string.Join("\n  ", unexpected)}");
        }
    }

    [Fact]
    public async Task The_deals_sample_holds_what_was_put_in_it()
    {
        var lines = File.ReadAllLines(SamplingPaths.Sample("deals.ndjson"));
        var db = await postgres.CreateDatabaseAsync("sample_facts");
        var result = await LoadHelper.LoadAsync(db, DealsEntity.Definition, lines);

        // Counted from the lines themselves: one row per distinct key; every other line is a copy or another version
        // (a copy of a version already overtaken counts as an older version, not as a duplicate).
        var keys = lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()).Distinct().Count();
        Assert.Equal(keys, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals"));
        Assert.Equal(lines.Length - keys, result.Duplicates + result.Stale + result.Superseded);
        Assert.InRange(result.Duplicates, 1, lines.Length - lines.Distinct().Count());
        // The seed's own record: its two territories, the second with the 37-character id loaded as NULL.
        Assert.Equal(2, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals_territories WHERE id = 'ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a'"));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db,
            "SELECT count(*) FROM deals_territories WHERE id = 'ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a' AND territories_ordinal = 1 AND territories_id IS NULL AND territories_name = 'LATAM-SOLA-BRAZIL SOUTH CROSS'"));
        Assert.True(await LoadHelper.ScalarAsync(db,
            "SELECT count(*) FROM successapp_rejects WHERE raw_value = '\"f79e74c6-1253-473a-90dc-cb3ff5dddc2f7\"' AND json_path LIKE '$.territories[%].id' AND record_key IS NOT NULL") >= 2);
        // Unknown fields are kept, not lost.
        Assert.True(await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals WHERE _extra ? 'priority'") > 0);
        Assert.Contains(result.UnknownFields, f => f.Table == "deals_territories" && f.Path == "association.region");
        // The wide view: every deal at least once.
        Assert.Equal(keys, await LoadHelper.ScalarAsync(db, "SELECT count(DISTINCT id) FROM deals_flat"));
    }

    private static string WithoutExtra(string row) => row[..row.LastIndexOf('|')];
}
