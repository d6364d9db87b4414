using System.Text;
using System.Text.Json.Nodes;
using SuccessApp.Generator.Tests.Infrastructure;

namespace SuccessApp.Generator.Tests;

/// <summary>A new API field is a schema edit and a rebuild: the column must appear everywhere it belongs.</summary>
public sealed class SchemaEditTests
{
    [Fact]
    public void A_property_added_to_deals_appears_in_row_flattener_comparer_copy_writer_and_ddl()
    {
        var schemas = GeneratorHarness.ShippedSchemas();
        var deals = schemas.Single(s => s.Path.EndsWith("deals.schema.json", StringComparison.Ordinal));
        var edited = JsonNode.Parse(deals.Text)!;
        edited["properties"]!["territories"]!["items"] = JsonNode.Parse("""
            { "allOf": [ { "$ref": "common.schema.json#/$defs/territory" } ],
              "properties": { "region_code": { "type": ["string", "null"] } } }
            """);
        edited["properties"]!["forecast_category"] = JsonNode.Parse("""{ "type": ["string", "null"] }""");
        var schemasAfter = schemas.Select(s => s == deals ? s.With(edited.ToJsonString()) : s).ToList();

        var before = GeneratorHarness.Run(schemas).Files["Deals.g.cs"];
        var output = GeneratorHarness.Run(schemasAfter);
        Assert.Empty(output.Diagnostics);
        var code = output.Files["Deals.g.cs"];

        Assert.DoesNotContain("forecast_category", before, StringComparison.Ordinal);
        // Row struct, flattener (UTF-8 literal match and read), comparer, COPY writer, DDL and migration.
        Assert.Contains("public global::SuccessApp.Etl.Flattening.Utf8Slice ForecastCategory;", code, StringComparison.Ordinal);
        Assert.Contains("\"forecast_category\"u8", code, StringComparison.Ordinal);
        Assert.Contains("row.ForecastCategory = reader.ReadText(Table0, \".forecast_category\"u8);", code, StringComparison.Ordinal);
        Assert.Contains("x.ForecastCategory.IsNull == y.ForecastCategory.IsNull", code, StringComparison.Ordinal);
        Assert.Contains("hasher.Add(arena[row.ForecastCategory], row.ForecastCategory.IsNull);", code, StringComparison.Ordinal);
        Assert.Contains("writer.WriteText(arena[row.ForecastCategory])", code, StringComparison.Ordinal);
        Assert.Contains("\"forecast_category\" text,", code, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE \"deals\" ADD COLUMN IF NOT EXISTS \"forecast_category\" text", code, StringComparison.Ordinal);
        Assert.Contains("\"forecast_category\" = EXCLUDED.\"forecast_category\"", code, StringComparison.Ordinal);
        Assert.Contains("t0.\"forecast_category\"", code, StringComparison.Ordinal);
        // The property added through allOf to the shared territory lands in the child table.
        Assert.Contains("\"territories_region_code\" text,", code, StringComparison.Ordinal);

        // And it runs: the new columns are filled from records that carry the fields.
        var assembly = GeneratorHarness.CompileAndLoad(output);
        var batch = (SuccessApp.Etl.Flattening.EntityBatch)Activator.CreateInstance(assembly.GetType(GeneratorHarness.TestNamespace + ".DealsBatch")!)!;
        var record = """{"id":"ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a","forecast_category":"commit","territories":[{"name":"LATAM","region_code":"BR"}]}""";
        Assert.Equal(SuccessApp.Etl.Flattening.RecordOutcome.Accepted, batch.Add(Encoding.UTF8.GetBytes(record)));
        Assert.Equal("commit", ReadText(batch, "Deals", 0, "ForecastCategory"));
        Assert.Equal("BR", ReadText(batch, "DealsTerritories", 0, "TerritoriesRegionCode"));
        Assert.True(batch.Context.Rejects.Count == 0 && batch.Context.Drift.Fields.Count == 0, "the new fields are known now: no rejects, no drift");
    }

    /// <summary>Reads a text column of a row of a batch compiled at test time (its types are only known by name).</summary>
    private static string? ReadText(SuccessApp.Etl.Flattening.EntityBatch batch, string buffer, int index, string member)
    {
        var rows = batch.GetType().GetProperty(buffer)!.GetValue(batch)!;
        // The indexer returns ref T; invoked by reflection, its getter hands back the row boxed.
        var row = rows.GetType().GetProperty("Item")!.GetMethod!.Invoke(rows, [index])!;
        var slice = (SuccessApp.Etl.Flattening.Utf8Slice)row.GetType().GetField(member)!.GetValue(row)!;
        return batch.Context.Arena.GetString(slice);
    }
}
