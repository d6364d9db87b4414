using System.Text.Json.Nodes;
using SuccessApp.Etl.Schema;
using SuccessApp.Generator.Tests.Infrastructure;

namespace SuccessApp.Etl.Tests.Infrastructure;

/// <summary>Real generator runs on the shipped schemas with the deals schema edited, compiled and loaded in memory.</summary>
public static class EditedSchemas
{
    /// <summary>The deals entity built from the shipped schemas, with <paramref name="edit"/> applied to deals.schema.json.</summary>
    public static EntityDefinition CompileDeals(Action<JsonNode>? edit)
    {
        var schemas = GeneratorHarness.ShippedSchemas().Select(s =>
        {
            if (edit is null || !s.Path.EndsWith("deals.schema.json", StringComparison.Ordinal))
            {
                return s;
            }
            var node = JsonNode.Parse(s.Text)!;
            edit(node);
            return s.With(node.ToJsonString());
        }).ToList();
        var output = GeneratorHarness.Run(schemas);
        Assert.Empty(output.Errors);
        var assembly = GeneratorHarness.CompileAndLoad(output);
        var entity = assembly.GetType(GeneratorHarness.TestNamespace + ".DealsEntity")!;
        return (EntityDefinition)entity.GetProperty("Definition")!.GetValue(null)!;
    }
}
