using SuccessApp.Generator.Tests.Infrastructure;

namespace SuccessApp.Generator.Tests;

/// <summary>Nothing from a schema reaches SQL unquoted: names are quoted identifiers, types must be plain type names.</summary>
public sealed class SecurityTests
{
    private const string Template = """
        {
          "type": "object",
          "x-successapp": { "table": "deals", "primaryKey": ["id"] },
          "properties": {
            "id": { "type": "string" },
            "amount": { "type": ["number", "null"], "x-pg-type": "TYPE" }
          }
        }
        """;

    [Theory]
    [InlineData("numeric; DROP TABLE deals; --")]
    [InlineData("text) ; DELETE FROM deals --")]
    [InlineData("numeric(12,2)\"")]
    public void An_x_pg_type_that_is_not_a_type_name_is_a_build_error(string type)
    {
        var output = GeneratorHarness.Run([new SchemaText("/repo/schemas/deals.schema.json", Template.Replace("TYPE", type.Replace("\"", "\\\""), StringComparison.Ordinal))]);

        var error = Assert.Single(output.Errors);
        Assert.Equal("SA1008", error.Id);
        Assert.Equal(5, error.Location.GetLineSpan().StartLinePosition.Line);
        Assert.DoesNotContain(output.Files.Keys, name => name == "Deals.g.cs");
    }

    [Theory]
    [InlineData("numeric(12,2)")]
    [InlineData("double precision")]
    [InlineData("varchar(16)")]
    public void Plain_type_names_are_accepted(string type)
    {
        var output = GeneratorHarness.Run([new SchemaText("/repo/schemas/deals.schema.json", Template.Replace("TYPE", type, StringComparison.Ordinal))]);

        Assert.Empty(output.Errors);
        Assert.Contains($"\"amount\" {type},", output.Files["Deals.g.cs"], StringComparison.Ordinal);
    }
}
