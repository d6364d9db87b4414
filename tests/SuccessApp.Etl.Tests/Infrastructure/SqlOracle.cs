using System.Text;
using Npgsql;
using SuccessApp.Etl.Schema;

namespace SuccessApp.Etl.Tests.Infrastructure;

/// <summary>
/// An independent, straightforward flattening of the same records, done by PostgreSQL itself from the raw JSON
/// (jsonb paths and jsonb_array_elements), following the README's rules literally: column <c>a.b</c> of table
/// <c>x_arr</c> is <c>element #>> '{a,b}'</c>, the newest cursor per key wins (ties: the later line), invalid values
/// are NULL, exact duplicate elements count once. It shares no code with the generator or the loader.
/// </summary>
public static class SqlOracle
{
    private const string Functions = """
        CREATE OR REPLACE FUNCTION pg_temp.o_uuid(t text) RETURNS uuid LANGUAGE plpgsql IMMUTABLE AS
        $$ BEGIN IF t !~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$' THEN RETURN NULL; END IF; RETURN t::uuid; END $$;
        CREATE OR REPLACE FUNCTION pg_temp.o_ts(t text) RETURNS timestamptz LANGUAGE plpgsql IMMUTABLE AS
        $$ BEGIN IF t !~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$' THEN RETURN NULL; END IF;
           RETURN t::timestamptz; EXCEPTION WHEN others THEN RETURN NULL; END $$;
        CREATE OR REPLACE FUNCTION pg_temp.o_date(t text) RETURNS date LANGUAGE plpgsql IMMUTABLE AS
        $$ BEGIN IF t !~ '^\d{4}-\d{2}-\d{2}$' THEN RETURN NULL; END IF; RETURN t::date; EXCEPTION WHEN others THEN RETURN NULL; END $$;
        CREATE OR REPLACE FUNCTION pg_temp.o_json(t text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS
        $$ BEGIN RETURN t::jsonb; EXCEPTION WHEN others THEN RETURN NULL; END $$;
        CREATE OR REPLACE FUNCTION pg_temp.o_int(j jsonb) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS
        $$ BEGIN IF jsonb_typeof(j) <> 'number' THEN RETURN NULL; END IF; RETURN (j #>> '{}')::bigint; EXCEPTION WHEN others THEN RETURN NULL; END $$;
        """;

    /// <summary>Rows per table as sorted text, in the form <see cref="LoadHelper.DumpAsync"/> gives for key and value columns (without <c>_extra</c>).</summary>
    public static async Task<Dictionary<string, List<string>>> ExpectedAsync(string connectionString, EntityDefinition entity, IEnumerable<string> lines)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await Execute(connection, "SET TIME ZONE 'UTC'");
        await Execute(connection, Functions);
        await Execute(connection, "CREATE TEMP TABLE o_raw (seq bigint, doc jsonb)");
        var seq = 0;
        foreach (var line in lines)
        {
            seq++;
            await using var insert = new NpgsqlCommand("INSERT INTO o_raw SELECT $1, pg_temp.o_json($2) WHERE pg_temp.o_json($2) IS NOT NULL", connection);
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seq });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = line });
            await insert.ExecuteNonQueryAsync();
        }
        var root = entity.Root;
        var key = root.Columns.Single(c => c.IsKey);
        var cursor = entity.Cursor is null ? "NULL::timestamptz" : $"pg_temp.o_ts(doc->>'{entity.Cursor}')";
        await Execute(connection, $"""
            CREATE TEMP TABLE o_latest AS
            SELECT DISTINCT ON (k) k, doc FROM (
                SELECT pg_temp.o_uuid(doc->>'{key.Name}') AS k, doc, seq FROM o_raw WHERE jsonb_typeof(doc) = 'object') s
            WHERE k IS NOT NULL
            ORDER BY k, {cursor.Replace("doc->>", "s.doc->>", StringComparison.Ordinal)} DESC NULLS LAST, seq DESC
            """);

        var result = new Dictionary<string, List<string>>();
        foreach (var table in entity.Tables)
        {
            var sql = TableQuery(entity, table);
            var rows = new List<string>();
            await using (var command = new NpgsqlCommand(sql, connection))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    rows.Add(reader.GetString(0));
                }
            }
            rows.Sort(StringComparer.Ordinal);
            result[table.Name] = rows;
        }
        return result;
    }

    private static string Prefix(EntityDefinition entity, TableDefinition table) =>
        table.ParentIndex < 0 ? "" : Prefix(entity, entity.Tables[table.ParentIndex]) + table.JsonPath.TrimStart('.') + "_";

    /// <summary>FROM clause giving the element of this table as <c>e{index}</c>, with its ordinal <c>o{index}</c>.</summary>
    private static string From(EntityDefinition entity, TableDefinition table)
    {
        if (table.ParentIndex < 0)
        {
            return "o_latest r CROSS JOIN LATERAL (SELECT r.doc AS e0) x0";
        }
        var parent = entity.Tables[table.ParentIndex];
        var i = table.Index;
        var name = table.JsonPath.TrimStart('.');
        var keyed = table.Columns.Any(c => c.IsKey && c.Role == ColumnRole.Value);
        var keyColumn = table.Columns.FirstOrDefault(c => c.IsKey && c.Role == ColumnRole.Value);
        var prefix = Prefix(entity, table);
        // Exact duplicates count once (the first); with an x-key, elements without a valid key are not rows and a
        // repeated key keeps the first element.
        var distinct = keyed
            ? $"DISTINCT ON (pg_temp.o_uuid(a.v->>'{keyColumn!.Name[prefix.Length..]}'))"
            : "DISTINCT ON (a.v)";
        var keyFilter = keyed ? $"AND pg_temp.o_uuid(a.v->>'{keyColumn!.Name[prefix.Length..]}') IS NOT NULL" : "";
        var order = keyed ? $"pg_temp.o_uuid(a.v->>'{keyColumn!.Name[prefix.Length..]}'), a.o" : "a.v, a.o";
        var elementType = table.Columns.Any(c => c.Role == ColumnRole.Value && c.Name == prefix.TrimEnd('_')) ? "" : "AND jsonb_typeof(a.v) = 'object'";
        return $"""
            {From(entity, parent)}
            CROSS JOIN LATERAL (
                SELECT {distinct} a.v AS e{i}, a.o - 1 AS o{i}
                FROM jsonb_array_elements(CASE WHEN jsonb_typeof(e{parent.Index}->'{name}') = 'array' THEN e{parent.Index}->'{name}' END) WITH ORDINALITY a(v, o)
                WHERE jsonb_typeof(a.v) <> 'null' {elementType} {keyFilter}
                ORDER BY {order}) x{i}
            """;
    }

    private static string TableQuery(EntityDefinition entity, TableDefinition table)
    {
        var prefix = Prefix(entity, table);
        var i = table.Index;
        var values = new List<string>();
        foreach (var column in table.Columns.Where(c => c.Role != ColumnRole.Hash && c.Role != ColumnRole.LoadedAt && c.Role != ColumnRole.Extra))
        {
            values.Add(column.Role switch
            {
                ColumnRole.ParentKey => ParentKey(entity, table, column),
                ColumnRole.Ordinal => $"o{i}::text",
                _ => Value(column, $"e{i}", column.Name == prefix.TrimEnd('_') && table.ParentIndex >= 0 ? [] : column.Name[prefix.Length..].Split('.')),
            });
        }
        var select = string.Join(" || '|' || ", values.Select(v => $"coalesce(({v}), 'NULL')"));
        return $"SELECT {select} FROM {From(entity, table)}";
    }

    private static string ParentKey(EntityDefinition entity, TableDefinition table, ColumnDefinition column)
    {
        // The key column named the same in the nearest ancestor table that has it as a value or ordinal.
        for (var t = entity.Tables[table.ParentIndex]; ; t = entity.Tables[t.ParentIndex])
        {
            var source = t.Columns.Single(c => c.Name == column.Name);
            if (source.Role == ColumnRole.Ordinal)
            {
                return $"o{t.Index}::text";
            }
            if (source.Role == ColumnRole.Value)
            {
                var prefix = Prefix(entity, t);
                return Value(source, $"e{t.Index}", source.Name[prefix.Length..].Split('.'));
            }
        }
    }

    private static string Value(ColumnDefinition column, string element, string[] path)
    {
        var json = path.Length == 0 ? element : $"({element} #> '{{{string.Join(",", path.Select(p => "\"" + p + "\""))}}}')";
        var text = $"(CASE WHEN jsonb_typeof({json}) = 'string' THEN {json} #>> '{{}}' END)";
        return column.PgType switch
        {
            "uuid" => $"pg_temp.o_uuid({text})::text",
            "timestamptz" => $"pg_temp.o_ts({text})::text",
            "date" => $"pg_temp.o_date({text})::text",
            "bigint" => $"pg_temp.o_int({json})::text",
            "numeric" => $"(CASE WHEN jsonb_typeof({json}) = 'number' THEN ({json} #>> '{{}}')::numeric END)::text",
            "boolean" => $"(CASE WHEN jsonb_typeof({json}) = 'boolean' THEN ({json} #>> '{{}}')::boolean END)::text",
            "jsonb" => $"(CASE WHEN jsonb_typeof({json}) <> 'null' THEN {json} END)::text",
            _ => $"(CASE WHEN jsonb_typeof({json}) IN ('string', 'number', 'boolean') THEN {json} #>> '{{}}' END)",
        };
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
