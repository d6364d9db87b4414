using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Tests.Infrastructure;

namespace SuccessApp.Etl.Tests.Loading;

/// <summary>The load semantics against a real PostgreSQL: idempotence, child-set replacement, cursor guard, rejects.</summary>
[Collection(PostgresFixture.CollectionName)]
public sealed class LoaderTests(PostgresFixture postgres)
{
    private const string Id = "ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a";

    internal static string Deal(string id, string updated, string name, string territories = "[]", string extra = "") =>
        $$"""{"id":"{{id}}","name":"{{name}}","updated_at":"{{updated}}","territories":{{territories}},"tags":["t-{{name}}"]{{extra}}}""";

    internal const string TwoTerritories = """
        [{"id":"04b191f8-c86b-46fd-9932-23a592562349","name":"LATAM","association":{"id":"5e1e6be8-b9c5-4665-a25d-31baccb2f31d"}},
         {"id":"f79e74c6-1253-473a-90dc-cb3ff5dddc2f7","name":"LATAM-SOLA-BRAZIL SOUTH CROSS"}]
        """;

    [Fact]
    public async Task Loading_the_same_input_twice_changes_nothing()
    {
        var db = await postgres.CreateDatabaseAsync("idempotent");
        string[] records =
        [
            Deal(Id, "2024-01-01 00:00:00", "a", TwoTerritories.ReplaceLineEndings(""), ",\"priority\":\"high\""),
            Deal("11111111-1111-1111-1111-111111111111", "2024-01-01 00:00:00", "b"),
            """{"id":"broken",""",
        ];
        var first = await LoadHelper.LoadAsync(db, DealsEntity.Definition, records);
        var before = await LoadHelper.DumpEntityAsync(db, DealsEntity.Definition, withBookkeeping: true);
        var rejectsBefore = await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM successapp_rejects");

        var second = await LoadHelper.LoadAsync(db, DealsEntity.Definition, records);
        var after = await LoadHelper.DumpEntityAsync(db, DealsEntity.Definition, withBookkeeping: true);

        Assert.Equal(2, first.RecordsChanged);
        Assert.Equal(0, second.RecordsChanged);
        Assert.Equal(before, after);
        Assert.Equal(2, before["deals"].Count);
        Assert.Equal(2, before["deals_territories"].Count);
        // The NULLed id of the second territory and the malformed record: kept once, not once per run.
        Assert.Equal(1 + 1, rejectsBefore);
        Assert.Equal(rejectsBefore, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM successapp_rejects"));
        Assert.True(first.Reconciles && second.Reconciles);
    }

    [Fact]
    public async Task An_update_that_empties_an_array_removes_its_child_rows()
    {
        var db = await postgres.CreateDatabaseAsync("shrink");
        await LoadHelper.LoadAsync(db, DealsEntity.Definition, [Deal(Id, "2024-01-01 00:00:00", "a", TwoTerritories.ReplaceLineEndings(""))]);
        Assert.Equal(2, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals_territories"));

        await LoadHelper.LoadAsync(db, DealsEntity.Definition, [Deal(Id, "2024-01-02 00:00:00", "a", "[]")], source: "update.ndjson");

        Assert.Equal(0, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals_territories"));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals_tags"));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5000)]
    public async Task An_older_version_arriving_after_a_newer_one_does_not_overwrite_it(int chunkSize)
    {
        var db = await postgres.CreateDatabaseAsync("older");
        // With chunk size 1 the older one meets the newer in the cache of committed records; with 5000 in one chunk.
        // Either way it is dropped before the database (stale); the later run below meets it in the database.
        var result = await LoadHelper.LoadAsync(db, DealsEntity.Definition,
        [
            Deal(Id, "2024-01-02 00:00:00", "newer", TwoTerritories.ReplaceLineEndings("")),
            Deal(Id, "2024-01-01 00:00:00", "older", "[]"),
        ], chunkSize);

        Assert.Equal(["newer"], await Names(db));
        Assert.Equal(1, result.Stale);
        Assert.Equal(2, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals_territories"));
        Assert.Equal(["t-newer"], (await LoadHelper.DumpAsync(db, "deals_tags")).Select(r => r.Split('|')[2]));
        Assert.True(result.Reconciles);

        // A later run with the older version again: still no overwrite.
        await LoadHelper.LoadAsync(db, DealsEntity.Definition, [Deal(Id, "2024-01-01 00:00:00", "older", "[]")], source: "again.ndjson");
        Assert.Equal(["newer"], await Names(db));
    }

    [Fact]
    public async Task A_newer_version_in_a_later_run_replaces_the_row_and_its_children()
    {
        var db = await postgres.CreateDatabaseAsync("newer");
        await LoadHelper.LoadAsync(db, DealsEntity.Definition, [Deal(Id, "2024-01-01 00:00:00", "old", TwoTerritories.ReplaceLineEndings(""))]);
        await LoadHelper.LoadAsync(db, DealsEntity.Definition,
            [Deal(Id, "2024-01-03 00:00:00", "new", """[{"name":"EMEA"}]""")], source: "second.ndjson");

        Assert.Equal(["new"], await Names(db));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals_territories WHERE territories_name = 'EMEA'"));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals_territories"));
    }

    [Fact]
    public async Task The_seed_invalid_uuid_is_a_reject_with_key_and_path_and_the_row_still_loads()
    {
        var db = await postgres.CreateDatabaseAsync("seeduuid");
        await LoadHelper.LoadAsync(db, DealsEntity.Definition, [Deal(Id, "2024-01-01 00:00:00", "a", TwoTerritories.ReplaceLineEndings(""))]);

        Assert.Equal(1, await LoadHelper.ScalarAsync(db,
            "SELECT count(*) FROM deals_territories WHERE territories_name = 'LATAM-SOLA-BRAZIL SOUTH CROSS' AND territories_id IS NULL AND territories_ordinal = 1"));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, $"""
            SELECT count(*) FROM successapp_rejects
            WHERE entity = 'deals' AND table_name = 'deals_territories' AND record_key = '{Id}'
              AND json_path = '$.territories[1].id' AND raw_value = '"f79e74c6-1253-473a-90dc-cb3ff5dddc2f7"'
              AND expected_type = 'uuid' AND NOT whole_record AND run_id IS NOT NULL
            """));
    }

    [Fact]
    public async Task The_wide_view_holds_the_distinct_rows_of_the_seed_merge()
    {
        var db = await postgres.CreateDatabaseAsync("view");
        await LoadHelper.LoadAsync(db, DealsEntity.Definition,
        [
            Deal(Id, "2024-01-01 00:00:00", "a", TwoTerritories.ReplaceLineEndings("")),
            Deal("11111111-1111-1111-1111-111111111111", "2024-01-01 00:00:00", "b"),
        ]);

        // Deal a: 2 territories x 1 tag; deal b: no territories, 1 tag (a LEFT JOIN keeps it).
        Assert.Equal(3, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals_flat"));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db,
            "SELECT count(*) FROM deals_flat WHERE id = '11111111-1111-1111-1111-111111111111' AND territories_name IS NULL AND tags = 't-b'"));
        Assert.Equal(2, await LoadHelper.ScalarAsync(db,
            "SELECT count(DISTINCT \"territories_association.id\") + count(*) FILTER (WHERE \"territories_association.id\" IS NULL AND territories_name IS NOT NULL) FROM deals_flat WHERE id = '" + Id + "'"));
    }

    private static async Task<List<string>> Names(string db) =>
        (await LoadHelper.DumpAsync(db, "deals")).Select(r => r.Split('|')[1]).ToList();
}
