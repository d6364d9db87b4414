using System.Text;
using Npgsql;
using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Sampling;
using SuccessApp.Etl.Tests.Infrastructure;

namespace SuccessApp.Etl.Tests.Loading;

/// <summary>
/// The per-chunk statements that touch stored rows by key must look the keys up in the key index, never scan the
/// table: a scan costs more with every chunk the table has taken, which made a million-record load quadratic.
/// The plans are PostgreSQL's own, for the generated statements, on tables of a few thousand records.
/// </summary>
[Collection(PostgresFixture.CollectionName)]
public sealed class MergePlanTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Replacing_child_sets_of_a_few_parents_probes_the_key_index_of_every_child_table()
    {
        var db = await postgres.CreateDatabaseAsync("merge_plan");
        using (var buffer = new MemoryStream())
        {
            new SampleDataGenerator(new SampleOptions { Entity = "deals", Records = 4000, Seed = 3 }).Write(buffer);
            await LoadHelper.LoadAsync(db, DealsEntity.Definition, Encoding.UTF8.GetString(buffer.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, DealsEntity.Definition.Root.CreateStagingSql);
        await ExecuteAsync(connection, """INSERT INTO "_accepted_deals" SELECT id, false FROM deals ORDER BY id LIMIT 40; ANALYZE "_accepted_deals" """);

        var deletes = DealsEntity.Definition.MergeSql.Split(";\n").Where(s => s.TrimStart().StartsWith("DELETE", StringComparison.Ordinal)).ToList();
        Assert.Equal(DealsEntity.Definition.Tables.Count - 1, deletes.Count);
        foreach (var delete in deletes)
        {
            var plan = await PlanAsync(connection, delete);
            var table = DealsEntity.Definition.Tables.Single(t => t.Index > 0 && delete.Contains($"DELETE FROM \"{t.Name}\" ", StringComparison.Ordinal));
            Assert.True(plan.Contains("Index", StringComparison.Ordinal) && !plan.Contains($"Seq Scan on {table.Name}", StringComparison.Ordinal),
                $"{table.Name}: the delete does not use the key index:\n{plan}");
        }
        await transaction.RollbackAsync();
    }

    private static async Task<string> PlanAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand("EXPLAIN " + sql, connection);
        var lines = new StringBuilder();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.AppendLine(reader.GetString(0));
        }
        return lines.ToString();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
