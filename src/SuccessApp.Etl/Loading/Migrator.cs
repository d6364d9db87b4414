using Npgsql;
using SuccessApp.Etl.Schema;

namespace SuccessApp.Etl.Loading;

/// <summary>What a migration changed.</summary>
public sealed record MigrationResult(IReadOnlyList<string> CreatedTables, IReadOnlyList<string> AddedColumns, long BackfilledValues)
{
    /// <summary>Columns whose type was widened to what the schema now declares, as <c>table.column: old → new</c>.</summary>
    public IReadOnlyList<string> RetypedColumns { get; init; } = [];
}

/// <summary>A schema change the migration will not apply by itself, because it could lose or misread stored data.</summary>
public sealed class SchemaMigrationException(string message) : Exception(message);

/// <summary>
/// Brings the database up to the schemas at start: creates missing tables, adds columns added to a schema since
/// the last run, recreates the wide views. Only additive: it never drops a table or a column holding data; a column
/// whose declared type changed is widened when every stored value converts losslessly (anything to <c>text</c>,
/// integers to <c>numeric</c>), and anything else stops the migration with a message naming the column. A column
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
        var retyped = new List<string>();
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
                foreach (var column in table.Columns.Where(c => existing.ContainsKey(c.Name)))
                {
                    if (await RetypeAsync(connection, transaction, entity, table, column, existing[column.Name], cancellationToken) is { } change)
                    {
                        retyped.Add(change);
                    }
                }
                foreach (var column in table.Columns.Where(c => !c.IsKey && c.Role != ColumnRole.LoadedAt && !existing.ContainsKey(c.Name)))
                {
                    await ExecuteAsync(connection, transaction, $"ALTER TABLE {Quote(table.Name)} ADD COLUMN IF NOT EXISTS {Quote(column.Name)} {column.PgType}", cancellationToken);
                    added.Add(table.Name + "." + column.Name);
                    if (column.ExtraKey is not null && existing.ContainsKey("_extra"))
                    {
                        backfilled += await ExecuteAsync(connection, transaction, Backfill(table, byName[column.Name]), cancellationToken);
                    }
                }
            }
            await ExecuteAsync(connection, transaction, entity.CreateViewSql, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new MigrationResult(created, added, backfilled) { RetypedColumns = retyped };
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

    /// <summary>The table's columns with their type (oid and display name); empty when the table does not exist.</summary>
    private static async Task<Dictionary<string, (uint Oid, string Display)>> ColumnsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT a.attname, a.atttypid, format_type(a.atttypid, a.atttypmod)
            FROM pg_attribute a
            WHERE a.attrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)) AND a.attnum > 0 AND NOT a.attisdropped
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
        var columns = new Dictionary<string, (uint, string)>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            columns.Add(reader.GetString(0), (reader.GetFieldValue<uint>(1), reader.GetString(2)));
        }
        return columns;
    }

    // Type oids (pg_type.h): the conversions below never fail and never lose information.
    private const uint Int2 = 21, Int4 = 23, Int8 = 20, Numeric = 1700, Text = 25;

    /// <summary>
    /// A column whose type in the schema is not its type in the database: widened in place when that is lossless
    /// (any type to text, any integer to numeric, smaller integers to bigint), else the migration stops. Only base
    /// types are compared (a changed length or precision is left alone).
    /// </summary>
    private static async Task<string?> RetypeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EntityDefinition entity, TableDefinition table, ColumnDefinition column,
        (uint Oid, string Display) stored, CancellationToken cancellationToken)
    {
        await using var lookup = new NpgsqlCommand("SELECT to_regtype($1)::oid", connection, transaction);
        lookup.Parameters.Add(new NpgsqlParameter<string> { TypedValue = column.PgType });
        var wanted = await lookup.ExecuteScalarAsync(cancellationToken) is uint oid ? oid : 0;
        if (wanted == 0 || wanted == stored.Oid)
        {
            return null;
        }
        var lossless = wanted == Text
            || (wanted == Numeric && stored.Oid is Int2 or Int4 or Int8)
            || (wanted == Int8 && stored.Oid is Int2 or Int4);
        var where = $"column {table.Name}.{column.Name} is {stored.Display} in the database but {column.PgType} in {entity.SchemaFile}";
        if (!lossless)
        {
            throw new SchemaMigrationException(
                $"{where}: not converted automatically, because stored values might not convert. Convert the column yourself " +
                $"(ALTER TABLE {Quote(table.Name)} ALTER COLUMN {Quote(column.Name)} TYPE {column.PgType} USING ...) or revert the type in the schema.");
        }
        // The wide view depends on the column; it is recreated at the end of the entity's migration.
        await ExecuteAsync(connection, transaction, $"DROP VIEW IF EXISTS {Quote(entity.ViewName)}", cancellationToken);
        try
        {
            await ExecuteAsync(connection, transaction,
                $"ALTER TABLE {Quote(table.Name)} ALTER COLUMN {Quote(column.Name)} TYPE {column.PgType} USING {Quote(column.Name)}::{column.PgType}", cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.FeatureNotSupported)
        {
            throw new SchemaMigrationException($"{where}, and it could not be widened: {e.MessageText} ({e.Detail}). Drop or change what depends on it, then run again.");
        }
        return $"{table.Name}.{column.Name}: {stored.Display} -> {column.PgType}";
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
