using SuccessApp.Generator.Tests.Infrastructure;

namespace SuccessApp.Generator.Tests;

/// <summary>Every generated file, for the shipped schemas and for focused test schemas, against checked-in baselines.</summary>
public sealed class SnapshotTests
{
    [Fact]
    public void Shipped_schemas_generate_the_baselined_files()
    {
        var output = GeneratorHarness.Run(GeneratorHarness.ShippedSchemas());

        Assert.Empty(output.Diagnostics);
        Assert.Equal(["Accounts.g.cs", "Deals.g.cs", "SchemaRegistry.g.cs"], output.Files.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, text) in output.Files)
        {
            Snapshot.Match(Path.Combine("shipped", name), text);
        }
    }

    [Theory]
    [InlineData("odd-names")]
    [InlineData("keyed-nested")]
    public void Test_schemas_generate_the_baselined_files(string schema)
    {
        var file = Path.Combine(RepositoryPaths.TestProject, "TestSchemas", schema + ".schema.json");
        var output = GeneratorHarness.Run([SchemaText.FromFile(file)]);

        Assert.Empty(output.Diagnostics);
        foreach (var (name, text) in output.Files)
        {
            Snapshot.Match(Path.Combine(schema, name), text);
        }
        GeneratorHarness.CompileAndLoad(output);
    }
}
