using SuccessApp.Etl.Schema;
using SuccessApp.Etl.Tests.Infrastructure;
using SuccessApp.Generator.Tests.Infrastructure;

namespace SuccessApp.Etl.Tests.Loading;

/// <summary>
/// Property names written to do harm (<c>x"; DROP TABLE deals; --</c>, quotes, spaces, keywords) are only ever
/// quoted identifiers: loaded into a real database they become columns, and nothing else happens.
/// </summary>
[Collection(PostgresFixture.CollectionName)]
public sealed class HostileNamesTests(PostgresFixture postgres)
{
    [Fact]
    public async Task An_injection_shaped_property_name_becomes_a_harmless_column()
    {
        var db = await postgres.CreateDatabaseAsync("hostile");
        await LoadHelper.ScalarAsync(db, "CREATE TABLE deals (id int); SELECT 1");
        var schema = SchemaText.FromFile(Path.Combine(RepositoryPaths.TestProject, "TestSchemas", "odd-names.schema.json"));
        var output = GeneratorHarness.Run([schema]);
        Assert.Empty(output.Errors);
        var assembly = GeneratorHarness.CompileAndLoad(output);
        var entity = (EntityDefinition)assembly.GetType(GeneratorHarness.TestNamespace + ".OddEntity")!.GetProperty("Definition")!.GetValue(null)!;

        var result = await LoadHelper.LoadAsync(db, entity,
        [
            """{"class":"k1","x\"; DROP TABLE deals; --":"still here","first name":"Ada","2fa":true,"namespace":7,"a\"\"\"b":"q","héllo":"w","items;":[{"it's":"x"}]}""",
        ]);

        Assert.True(result.Reconciles);
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'deals'"));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, """""""SELECT count(*) FROM odd WHERE "x""; DROP TABLE deals; --" = 'still here' AND "first name" = 'Ada' AND "2fa" AND "namespace" = 7 AND "a""""""b" = 'q' AND "héllo" = 'w'"""""""));
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, """SELECT count(*) FROM "odd_items;" WHERE "items;_it's" = 'x'"""));
    }
}
