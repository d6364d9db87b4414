using System.Text;
using SuccessApp.Etl.Flattening;
using SuccessApp.Generator.Tests.Infrastructure;

namespace SuccessApp.SchemaTools.Tests;

/// <summary>The review workflow: the exact diff, --write, a rerun, and a build of what was written.</summary>
public sealed class WorkflowTests : IDisposable
{
    private const string Records = """
        "priority":"high","health":{"score":0.75,"trend":"up"},"owner":{"id":"0d6f3c2e-5b1a-4c9e-8f7d-2a4b6c8e0f13","title":"AE"},"territories":[{"name":"South","region":"br"}]
        "priority":null,"health":{"score":1,"trend":"down"},"line_items":[{"sku":"a-1","qty":2}]
        """;

    private readonly SchemaWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task The_diff_is_the_files_own_text_with_the_new_properties_inserted_in_its_style()
    {
        var source = _workspace.Deals("deals.ndjson", Records.Split('\n'));
        var before = _workspace.SchemaText("deals.schema.json");

        var run = await _workspace.RunAsync(source);

        Assert.Equal(1, run.ExitCode);
        const string Expected = """
            --- schemas/deals.schema.json
            +++ proposed
            @@ -98,6 +98,24 @@
                   "type": ["object", "null"]
                 },
                 "created_at": { "$ref": "common.schema.json#/$defs/timestamp" },
            -    "updated_at": { "$ref": "common.schema.json#/$defs/timestamp" }
            +    "updated_at": { "$ref": "common.schema.json#/$defs/timestamp" },
            +    "priority": { "type": ["string", "null"] },
            +    "health": {
            +      "type": "object",
            +      "properties": {
            +        "score": { "type": "number" },
            +        "trend": { "type": "string" }
            +      }
            +    },
            +    "line_items": {
            +      "type": "array",
            +      "items": {
            +        "type": "object",
            +        "properties": {
            +          "sku": { "type": "string" },
            +          "qty": { "type": "integer" }
            +        }
            +      }
            +    }
               }
             }
            --- schemas/common.schema.json
            +++ proposed
            @@ -21,7 +21,8 @@
                     "color": { "type": ["string", "null"] },
                     "created_at": { "$ref": "#/$defs/timestamp" },
                     "updated_at": { "$ref": "#/$defs/timestamp" },
            -        "association": { "$ref": "#/$defs/association" }
            +        "association": { "$ref": "#/$defs/association" },
            +        "region": { "type": "string" }
                   }
                 },
                 "association": {
            @@ -37,7 +38,8 @@
                   "properties": {
                     "id": { "$ref": "#/$defs/uuid" },
                     "name": { "type": ["string", "null"] },
            -        "email": { "type": ["string", "null"] }
            +        "email": { "type": ["string", "null"] },
            +        "title": { "type": "string" }
                   }
                 }
               }

            """;
        Assert.Contains(Expected, run.Output, StringComparison.Ordinal);
        Assert.Contains("Nothing written.", run.Output, StringComparison.Ordinal);
        Assert.Equal(before, _workspace.SchemaText("deals.schema.json"));
    }

    [Fact]
    public async Task Write_applies_the_proposal_and_a_second_run_has_nothing_to_add()
    {
        var source = _workspace.Deals("deals.ndjson", Records.Split('\n'));

        var first = await _workspace.RunAsync(_workspace.Request(source, write: true));
        var second = await _workspace.RunAsync(source);

        Assert.Equal(1, first.ExitCode);
        Assert.Contains("Wrote schemas/deals.schema.json, schemas/common.schema.json.", first.Output, StringComparison.Ordinal);
        Assert.Contains("\"priority\": { \"type\": [\"string\", \"null\"] }", _workspace.SchemaText("deals.schema.json"), StringComparison.Ordinal);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("No properties to add", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("+++", second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_written_proposal_builds_without_diagnostics_and_its_fields_load_into_new_columns_instead_of_extra()
    {
        var source = _workspace.Deals("deals.ndjson", Records.Split('\n'));
        var record = File.ReadLines(source).First();
        var shipped = GeneratorHarness.Run(Schemas()).Files["Deals.g.cs"];

        await _workspace.DiffAsync(source, write: true);
        var output = GeneratorHarness.Run(Schemas());

        Assert.Empty(output.Diagnostics);
        var code = output.Files["Deals.g.cs"];
        foreach (var ddl in new[]
        {
            "ALTER TABLE \"deals\" ADD COLUMN IF NOT EXISTS \"priority\" text",
            "ALTER TABLE \"deals\" ADD COLUMN IF NOT EXISTS \"health.score\" numeric",
            "ALTER TABLE \"deals_territories\" ADD COLUMN IF NOT EXISTS \"territories_region\" text",
            "CREATE TABLE IF NOT EXISTS \"deals_line_items\"",
            "\"line_items_qty\" bigint",
        })
        {
            Assert.DoesNotContain(ddl, shipped, StringComparison.Ordinal);
            Assert.Contains(ddl, code, StringComparison.Ordinal);
        }

        // Built and run: the record that drifted before has no field left for _extra.
        var assembly = GeneratorHarness.CompileAndLoad(output);
        var batch = (EntityBatch)Activator.CreateInstance(assembly.GetType(GeneratorHarness.TestNamespace + ".DealsBatch")!)!;
        Assert.Equal(RecordOutcome.Accepted, batch.Add(Encoding.UTF8.GetBytes(record)));
        Assert.Empty(batch.Context.Drift.Fields);
        Assert.Equal(0, batch.Context.Rejects.Count);
    }

    [Fact]
    public async Task Properties_written_on_one_line_get_the_new_one_on_that_line_and_crlf_files_keep_crlf()
    {
        var folder = Path.Combine(_workspace.Root, "other-schemas");
        Directory.CreateDirectory(folder);
        var schema = string.Join("\r\n",
            "{",
            "\t\"x-successapp\": { \"table\": \"widgets\", \"endpoint\": \"/v1/widgets\", \"primaryKey\": [\"id\"], \"pagination\": { \"style\": \"link\" } },",
            "\t\"type\": \"object\",",
            "\t\"properties\": {",
            "\t\t\"id\": { \"type\": \"string\" },",
            "\t\t\"size\": { \"type\": \"object\", \"properties\": { \"w\": { \"type\": \"integer\" } } }",
            "\t}",
            "}",
            "");
        File.WriteAllText(Path.Combine(folder, "widgets.schema.json"), schema);
        var source = _workspace.Write("widgets.ndjson", """{"id":"a","size":{"w":1,"h":2},"parts":[{"n":"x"}]}""" + "\n");

        var result = await SchemaDiff.RunAsync(_workspace.Request(source) with { SchemasDirectory = folder, Write = true }, CancellationToken.None);

        Assert.Equal("other-schemas/widgets.schema.json", result.SchemaFile);
        Assert.Equal(string.Join("\r\n",
            "{",
            "\t\"x-successapp\": { \"table\": \"widgets\", \"endpoint\": \"/v1/widgets\", \"primaryKey\": [\"id\"], \"pagination\": { \"style\": \"link\" } },",
            "\t\"type\": \"object\",",
            "\t\"properties\": {",
            "\t\t\"id\": { \"type\": \"string\" },",
            "\t\t\"size\": { \"type\": \"object\", \"properties\": { \"w\": { \"type\": \"integer\" }, \"h\": { \"type\": \"integer\" } } },",
            "\t\t\"parts\": {",
            "\t\t\t\"type\": \"array\",",
            "\t\t\t\"items\": {",
            "\t\t\t\t\"type\": \"object\",",
            "\t\t\t\t\"properties\": {",
            "\t\t\t\t\t\"n\": { \"type\": \"string\" }",
            "\t\t\t\t}",
            "\t\t\t}",
            "\t\t}",
            "\t}",
            "}",
            ""), File.ReadAllText(Path.Combine(folder, "widgets.schema.json")));
        Assert.Empty(GeneratorHarness.Run([SchemaText.FromFile(Path.Combine(folder, "widgets.schema.json"))]).Diagnostics);
    }

    private List<SchemaText> Schemas() =>
        [.. Directory.GetFiles(_workspace.Schemas, "*.schema.json").Order(StringComparer.Ordinal).Select(SchemaText.FromFile)];
}
