using Npgsql;
using SuccessApp.Etl.Schema;

namespace SuccessApp.Etl.Loading;

/// <summary>What a migration changed.</summary>
public sealed record MigrationResult(IReadOnlyList<string> CreatedTables, IReadOnlyList<string> AddedColumns, long BackfilledValues);

/// <summary>
/// Brings the database up to the schemas at start: creates missing tables, adds columns added to a schema since
/// the last run, recreates the wide views. Only additive: it never drops or rewrites a table holding data. A column
/// added for a field the API already sent is backfilled from <c>_extra</c>, where the field waited, and the key is
/// removed from <c>_extra</c>; a value that does not fit the new column's type stays in <c>_extra</c>. Runs under a
/// transaction-scoped advisory lock, so two workers starting together migrate one after the other.
/// </summary>
public static class Migrator
{
    public static async Task<MigrationResult> MigrateAsync(NpgsqlDataSource dataSource, IEnumerable<EntityDefinition> entities, CancellationToken cancellationToken)
    {
        var created = new List<string>();
        var added = new List<string>();
        long backfilled = 0;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({RuntimeSchema.MigrationLockKey})", cancellationToken);
        await ExecuteAsync(connection, transaction, RuntimeSchema.Create, cancellationToken);
        await ExecuteAsync(connection, transaction, SafeCasts, cancellationToken);
        foreach (var entity in entities)
        {
            foreach (var table in entity.Tables)
            {
                var existing = await ColumnsAsync(connection, transaction, table.Name, cancellationToken);
                if (existing.Count == 0)
                {
                    await ExecuteAsync(connection, transaction, table.CreateTableSql, cancellationToken);
                    created.Add(table.Name);
                    continue;
                }
                var byName = table.Columns.ToDictionary(c => c.Name);
                foreach (var column in table.Columns.Where(c => !c.IsKey && c.Role != ColumnRole.LoadedAt && !existing.Contains(c.Name)))
                {
                    await ExecuteAsync(connection, transaction, $"ALTER TABLE {Quote(table.Name)} ADD COLUMN IF NOT EXISTS {Quote(column.Name)} {column.PgType}", cancellationToken);
                    added.Add(table.Name + "." + column.Name);
                    if (column.ExtraKey is not null && existing.Contains("_extra"))
                    {
                        backfilled += await ExecuteAsync(connection, transaction, Backfill(table, byName[column.Name]), cancellationToken);
                    }
                }
            }
            await ExecuteAsync(connection, transaction, entity.CreateViewSql, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new MigrationResult(created, added, backfilled);
    }

    /// <summary>Everything a migration of an empty database runs, for <c>successapp ddl</c>.</summary>
    public static IEnumerable<string> Script(IEnumerable<EntityDefinition> entities)
    {
        yield return RuntimeSchema.Create;
        foreach (var entity in entities)
        {
            foreach (var sql in entity.MigrationSql())
            {
                yield return sql;
            }
        }
    }

    // Conversions that return NULL instead of failing, so one odd value cannot abort a migration.
    private const string SafeCasts = """
        CREATE OR REPLACE FUNCTION pg_temp.successapp_cast(v jsonb, t text) RETURNS text LANGUAGE plpgsql AS $$
        DECLARE s text := CASE WHEN jsonb_typeof(v) IN ('string', 'number', 'boolean') THEN v #>> '{}' END;
        BEGIN
            IF s IS NULL THEN RETURN NULL; END IF;
            IF t = 'text' THEN RETURN s; END IF;
            IF t IN ('bigint', 'numeric') AND jsonb_typeof(v) <> 'number' THEN RETURN NULL; END IF;
            IF t = 'boolean' AND jsonb_typeof(v) <> 'boolean' THEN RETURN NULL; END IF;
            IF t IN ('uuid', 'timestamptz', 'date') AND jsonb_typeof(v) <> 'string' THEN RETURN NULL; END IF;
            EXECUTE format('SELECT %L::%s::text', s, t) INTO s;
            RETURN s;
        EXCEPTION WHEN others THEN RETURN NULL;
        END $$
        """;

    private static string Backfill(TableDefinition table, ColumnDefinition column)
    {
        var key = "'" + column.ExtraKey!.Replace("'", "''", StringComparison.Ordinal) + "'";
        var value = column.StagingType == "jsonb"
            ? $"NULLIF(\"_extra\" -> {key}, 'null'::jsonb)"
            : $"pg_temp.successapp_cast(\"_extra\" -> {key}, '{column.StagingType}')::{column.StagingType}";
        // Values that convert (or are JSON null) move; the rest stay in _extra for a person to look at.
        return $$"""
            UPDATE {{Quote(table.Name)}} SET
                {{Quote(column.Name)}} = {{value}},
                "_extra" = CASE WHEN {{value}} IS NOT NULL OR "_extra" -> {{key}} = 'null'::jsonb
                                THEN NULLIF("_extra" - {{key}}, '{}'::jsonb) ELSE "_extra" END
            WHERE "_extra" ? {{key}}
            """;
    }

    private static async Task<HashSet<string>> ColumnsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
        var columns = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            columns.Add(reader.GetString(0));
        }
        return columns;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
