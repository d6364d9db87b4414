using System.Text.Json.Nodes;
using SuccessApp.Etl.Tests.Infrastructure;

namespace SuccessApp.Etl.Tests.Loading;

/// <summary>
/// A schema that gains a property: the build after the edit migrates the existing table in place (ADD COLUMN),
/// keeps every row, and fills the new column. Both builds are real generator runs, compiled in memory.
/// </summary>
[Collection(PostgresFixture.CollectionName)]
public sealed class SchemaMigrationTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_property_added_to_the_schema_migrates_the_tables_without_losing_rows()
    {
        var db = await postgres.CreateDatabaseAsync("migrate");
        var before = EditedSchemas.CompileDeals(edit: null);
        var after = EditedSchemas.CompileDeals(edit: schema =>
        {
            schema["properties"]!["forecast_category"] = JsonNode.Parse("""{ "type": ["string", "null"] }""");
            schema["properties"]!["bridges"]!["items"]!["properties"]!["weight"] = JsonNode.Parse("""{ "type": ["integer", "null"] }""");
        });

        string[] first =
        [
            """{"id":"ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a","name":"a","updated_at":"2024-01-01 00:00:00","bridges":[{"type":"x"}],"forecast_category":"pipeline"}""",
            """{"id":"11111111-1111-1111-1111-111111111111","name":"b","updated_at":"2024-01-01 00:00:00"}""",
        ];
        await LoadHelper.LoadAsync(db, before, first);
        // Before the edit, the unknown field waits in _extra.
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, """SELECT count(*) FROM deals WHERE _extra->>'forecast_category' = 'pipeline'"""));

        var result = await LoadHelper.LoadAsync(db, after,
        [
            """{"id":"22222222-2222-2222-2222-222222222222","name":"c","updated_at":"2024-01-02 00:00:00","forecast_category":"commit","bridges":[{"type":"y","weight":3}]}""",
        ], source: "after.ndjson");

        Assert.True(result.Reconciles);
        Assert.Equal(3, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals"));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals WHERE forecast_category = 'commit' AND name = 'c'"));
        // The value that waited in _extra before the schema knew the field was moved into the new column.
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals WHERE forecast_category = 'pipeline' AND name = 'a' AND _extra IS NULL"));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals WHERE forecast_category IS NULL AND name = 'b'"));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals_bridges WHERE bridges_weight = 3"));
        Assert.Equal(2, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals_bridges"));
        // The wide view was recreated with the new column.
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals_flat WHERE forecast_category = 'commit'"));
    }
}
