using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Npgsql;
using NpgsqlTypes;
using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Flattening;
using SuccessApp.Etl.Postgres;

namespace SuccessApp.Benchmarks;

/// <summary>
/// The same root rows of a chunk (<c>deals</c>, 22 columns of every type the schema uses) COPYed into the worker's
/// own staging table on a real PostgreSQL, two ways: Npgsql's typed <see cref="NpgsqlBinaryImporter"/>
/// (<c>Write&lt;T&gt;(value, NpgsqlDbType)</c>, the documented API, which needs .NET values: strings decoded from
/// UTF-8, decimals parsed, UTC DateTimes) and our raw <see cref="PgBinaryCopyWriter"/> over
/// <see cref="NpgsqlConnection.BeginRawBinaryCopy"/>, which copies the UTF-8 bytes as they are. The server's work is
/// the same in both; the difference is the client's. The staging table is ON COMMIT DELETE ROWS, so every COPY
/// (its own transaction) leaves it empty. Uses SUCCESSAPP_BENCH_DATABASE_URL (a Npgsql connection string) if set,
/// else starts a throwaway PostgreSQL from the machine's binaries.
/// </summary>
[MemoryDiagnoser]
public class NpgsqlImporterBenchmarks
{
    private LocalPostgresServer? _server;
    private NpgsqlConnection _connection = null!;
    private DealsBatch _batch = null!;

    [GlobalSetup]
    public void Setup()
    {
        _batch = BenchData.Instance.Flatten();
        var connectionString = Environment.GetEnvironmentVariable("SUCCESSAPP_BENCH_DATABASE_URL");
        if (string.IsNullOrEmpty(connectionString))
        {
            _server = LocalPostgresServer.StartAsync(new LocalPostgresOptions { Ephemeral = true }).GetAwaiter().GetResult();
            connectionString = _server.ConnectionString;
        }
        _connection = new NpgsqlConnection(connectionString);
        _connection.Open();
        using var create = new NpgsqlCommand(DealsSql.Stage0, _connection);
        create.ExecuteNonQuery();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _connection.Dispose();
        _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _batch.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = BenchData.Records), PerRecord]
    public long Raw_PgBinaryCopyWriter()
    {
        using var stream = _connection.BeginRawBinaryCopy(DealsSql.Copy0);
        using var writer = new PgBinaryCopyWriter(stream);
        writer.WriteHeader();
        _batch.WriteRows(0, writer);
        writer.WriteTrailer();
        writer.Flush();
        return writer.RowsWritten;
    }

    [Benchmark(OperationsPerInvoke = BenchData.Records), PerRecord]
    public ulong Typed_NpgsqlBinaryImporter()
    {
        var arena = _batch.Context.Arena;
        using var importer = _connection.BeginBinaryImport(DealsSql.Copy0);
        foreach (ref readonly var row in _batch.Deals.AsSpan())
        {
            if (row.Superseded)
            {
                continue;
            }
            importer.StartRow();
            Uuid(importer, row.Id);
            Text(importer, arena, row.Name, NpgsqlDbType.Text);
            Numeric(importer, arena, row.Amount);
            Text(importer, arena, row.Currency, NpgsqlDbType.Text);
            Value(importer, row.Probability, NpgsqlDbType.Bigint);
            Value(importer, row.IsWon, NpgsqlDbType.Boolean);
            Text(importer, arena, row.Status, NpgsqlDbType.Text);
            Value(importer, row.CloseDate, NpgsqlDbType.Date);
            Uuid(importer, row.OwnerId);
            Text(importer, arena, row.OwnerName, NpgsqlDbType.Text);
            Text(importer, arena, row.OwnerEmail, NpgsqlDbType.Text);
            Uuid(importer, row.ResultId);
            Uuid(importer, row.ResultId2);
            Text(importer, arena, row.ResultTitle, NpgsqlDbType.Text);
            Text(importer, arena, row.ResultType, NpgsqlDbType.Text);
            Timestamp(importer, row.ResultCreatedAt);
            Timestamp(importer, row.ResultUpdatedAt);
            Text(importer, arena, row.CustomFields, NpgsqlDbType.Jsonb);
            Timestamp(importer, row.CreatedAt);
            Timestamp(importer, row.UpdatedAt);
            Text(importer, arena, row.Extra, NpgsqlDbType.Jsonb);
            importer.Write(row.Hash, NpgsqlDbType.Bigint);
        }
        return importer.Complete();
    }

    private static void Uuid(NpgsqlBinaryImporter importer, Guid? value) => Value(importer, value, NpgsqlDbType.Uuid);

    private static void Value<T>(NpgsqlBinaryImporter importer, T? value, NpgsqlDbType type)
        where T : struct
    {
        if (value is { } v)
        {
            importer.Write(v, type);
        }
        else
        {
            importer.WriteNull();
        }
    }

    private static void Timestamp(NpgsqlBinaryImporter importer, DateTime? value)
    {
        if (value is { } v)
        {
            // Npgsql refuses Unspecified for timestamptz; the flattener's values are UTC.
            importer.Write(DateTime.SpecifyKind(v, DateTimeKind.Utc), NpgsqlDbType.TimestampTz);
        }
        else
        {
            importer.WriteNull();
        }
    }

    private static void Text(NpgsqlBinaryImporter importer, Utf8Arena arena, Utf8Slice slice, NpgsqlDbType type)
    {
        if (slice.IsNull)
        {
            importer.WriteNull();
        }
        else
        {
            // The typed API takes a string: one UTF-8 decode and one allocation per value.
            importer.Write(Encoding.UTF8.GetString(arena[slice]), type);
        }
    }

    private static void Numeric(NpgsqlBinaryImporter importer, Utf8Arena arena, Utf8Slice slice)
    {
        if (!slice.IsNull && decimal.TryParse(arena[slice], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            importer.Write(value, NpgsqlDbType.Numeric);
        }
        else
        {
            importer.WriteNull();
        }
    }
}
