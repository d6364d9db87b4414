using System.Text;
using Npgsql;
using SuccessApp.Etl.Loading;
using SuccessApp.Etl.Pipeline;
using SuccessApp.Etl.Sampling;
using SuccessApp.Etl.Schema;
using SuccessApp.Etl.Sources;

namespace SuccessApp.Etl.Tests.Infrastructure;

/// <summary>Loads records into a test database through the real pipeline and reads tables back for comparison.</summary>
public static class LoadHelper
{
    /// <summary>Migrates and syncs the records; <paramref name="options"/>, when given, replaces chunk size and full refresh.</summary>
    public static async Task<EntitySyncResult> LoadAsync(
        string connectionString, EntityDefinition entity, IEnumerable<string> records, int chunkSize = 5000, string source = "test.ndjson", bool fullRefresh = false,
        SyncOptions? options = null)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await Migrator.MigrateAsync(dataSource, [entity], CancellationToken.None);
        var stream = new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\n", records) + "\n"));
        await using var recordSource = new StreamRecordSource(stream, source);
        return await SyncPipeline.RunAsync(dataSource, entity, recordSource, Guid.NewGuid(),
            options ?? new SyncOptions { ChunkSize = chunkSize, FullRefresh = fullRefresh }, CancellationToken.None);
    }

    /// <summary>Every row of a table as text, sorted, bookkeeping columns left out unless asked for.</summary>
    public static async Task<List<string>> DumpAsync(string connectionString, string table, bool withBookkeeping = false)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var columns = new List<string>();
        await using (var command = new NpgsqlCommand(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position", connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var name = reader.GetString(0);
                if (withBookkeeping || !name.StartsWith('_') || name == "_extra")
                {
                    columns.Add(name);
                }
            }
        }
        Assert.True(columns.Count > 0, $"table {table} does not exist");
        var select = string.Join(" || '|' || ", columns.Select(c => $"coalesce(\"{c.Replace("\"", "\"\"")}\"::text, 'NULL')"));
        var rows = new List<string>();
        await using (var command = new NpgsqlCommand($"SELECT {select} FROM \"{table}\"", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add(reader.GetString(0));
            }
        }
        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    public static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task<Dictionary<string, List<string>>> DumpEntityAsync(string connectionString, EntityDefinition entity, bool withBookkeeping = false)
    {
        var tables = new Dictionary<string, List<string>>();
        foreach (var table in entity.Tables)
        {
            tables[table.Name] = await DumpAsync(connectionString, table.Name, withBookkeeping);
        }
        tables[entity.ViewName] = await DumpAsync(connectionString, entity.ViewName, withBookkeeping: false);
        return tables;
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The first column of every row a query returns, as text, in the query's order.</summary>
    public static async Task<List<string>> QueryAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }
        return rows;
    }

    /// <summary>Every reject, as text, sorted (run ids and times left out: they differ between two equal loads).</summary>
    public static Task<List<string>> DumpRejectsAsync(string connectionString) => QueryAsync(connectionString, """
        SELECT concat_ws('|', table_name, record_key, json_path, raw_value, expected_type, reason, whole_record)
        FROM successapp_rejects ORDER BY 1
        """);

    /// <summary>The generated sample, one record per line.</summary>
    public static string[] SampleLines(SampleOptions options)
    {
        using var buffer = new MemoryStream();
        new SampleDataGenerator(options).Write(buffer);
        return Encoding.UTF8.GetString(buffer.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
