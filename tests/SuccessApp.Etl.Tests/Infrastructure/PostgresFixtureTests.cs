using Npgsql;

namespace SuccessApp.Etl.Tests.Infrastructure;

[Collection(PostgresFixture.CollectionName)]
public sealed class PostgresFixtureTests(PostgresFixture fixture)
{
    private static async Task<string> CurrentDatabaseAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_database()", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task EachCallGivesAFreshIsolatedDatabase()
    {
        var first = await fixture.CreateDatabaseAsync("Fixture-Test");
        var second = await fixture.CreateDatabaseAsync("fixture_test");

        var firstName = await CurrentDatabaseAsync(first);
        var secondName = await CurrentDatabaseAsync(second);
        Assert.StartsWith("fixturetest_", firstName, StringComparison.Ordinal);
        Assert.StartsWith("fixture_test_", secondName, StringComparison.Ordinal);
        Assert.NotEqual(firstName, secondName);

        await using (var connection = new NpgsqlConnection(first))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE only_here (id int)", connection);
            await create.ExecuteNonQueryAsync();
        }

        await using var other = new NpgsqlConnection(second);
        await other.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'", other);
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task DefaultPrefixIsAValidIdentifier()
    {
        var connectionString = await fixture.CreateDatabaseAsync();

        Assert.StartsWith("test_", await CurrentDatabaseAsync(connectionString), StringComparison.Ordinal);
    }
}
