using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DuckDB.NET.Data;

namespace SuccessApp.Benchmarks;

/// <summary>
/// bench/compare.sh (c): what a user might reach for instead — DuckDB's <c>read_json</c> of the NDJSON file and
/// <c>unnest</c> of every array into the worker's seven tables (same names, same columns, same ordinals), in an
/// in-memory database. Flatten only: no dedup of duplicates or older versions, no loading into PostgreSQL.
/// Prints one JSON object: seconds, rows per table, DuckDB's version and threads.
/// </summary>
public static class DuckDbFlatten
{
    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: duckdb FILE.ndjson");
            return 2;
        }
        var path = Path.GetFullPath(args[0]);
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"not found: {path}");
            return 2;
        }
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        var version = Scalar(connection, "SELECT version()");
        var threads = Scalar(connection, "SELECT current_setting('threads')");

        var clock = Stopwatch.StartNew();
        var steps = new List<(string Name, double Seconds)>();
        foreach (var (name, sql) in Statements(path))
        {
            var step = Stopwatch.StartNew();
            Execute(connection, sql);
            steps.Add((name, step.Elapsed.TotalSeconds));
        }
        var elapsed = clock.Elapsed.TotalSeconds;

        var rows = new Dictionary<string, long>();
        foreach (var table in Tables)
        {
            rows[table] = Convert.ToInt64(Scalar(connection, $"SELECT count(*) FROM \"{table}\""), CultureInfo.InvariantCulture);
        }
        using var stdout = Console.OpenStandardOutput();
        using (var w = new Utf8JsonWriter(stdout))
        {
            w.WriteStartObject();
            w.WriteString("mode", "duckdb");
            w.WriteString("duckdb_version", version);
            w.WriteString("threads", threads);
            w.WriteNumber("seconds", elapsed);
            w.WriteNumber("records", rows["_raw"]);
            w.WriteNumber("rows", rows.Where(r => r.Key != "_raw").Sum(r => r.Value));
            w.WriteStartObject("rows_per_table");
            foreach (var (table, count) in rows)
            {
                w.WriteNumber(table, count);
            }
            w.WriteEndObject();
            w.WriteStartObject("step_seconds");
            foreach (var (name, seconds) in steps)
            {
                w.WriteNumber(name, seconds);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        stdout.WriteByte((byte)'\n');
        return 0;
    }

    private static readonly string[] Tables =
    [
        "_raw", "deals", "deals_result_reasons", "deals_territories", "deals_bridges", "deals_tags", "deals_stage_history", "deals_stage_history_changes",
    ];

    private static IEnumerable<(string Name, string Sql)> Statements(string path)
    {
        var file = "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'";
        // Types are inferred from a sample of the file, as a user would let DuckDB do; "yyyy-MM-dd HH:mm:ss" becomes TIMESTAMP.
        yield return ("read_json", $"CREATE TABLE _raw AS SELECT * FROM read_json({file}, format = 'newline_delimited')");
        yield return ("deals", """
            CREATE TABLE deals AS SELECT
              id, name, amount, currency, probability, is_won, status, close_date,
              owner.id AS "owner.id", owner.name AS "owner.name", owner.email AS "owner.email",
              result_id, result.id AS "result.id", result.title AS "result.title", result.type AS "result.type",
              result.created_at AS "result.created_at", result.updated_at AS "result.updated_at",
              to_json(custom_fields) AS custom_fields, created_at, updated_at
            FROM _raw
            """);
        yield return ("deals_result_reasons", """
            CREATE TABLE deals_result_reasons AS SELECT
              id, e.id AS result_reasons_id, e.title AS result_reasons_title,
              e.created_at AS result_reasons_created_at, e.updated_at AS result_reasons_updated_at
            FROM (SELECT id, unnest(result_reasons) AS e FROM _raw)
            """);
        yield return ("deals_territories", """
            CREATE TABLE deals_territories AS SELECT
              id, ordinal AS territories_ordinal, e.id AS territories_id, e.name AS territories_name, e.color AS territories_color,
              e.created_at AS territories_created_at, e.updated_at AS territories_updated_at,
              e.association.source_id AS "territories_association.source_id",
              e.association.target_id AS "territories_association.target_id",
              e.association.id AS "territories_association.id"
            FROM (SELECT id, unnest(generate_series(1, len(territories))) AS ordinal, unnest(territories) AS e FROM _raw)
            """);
        yield return ("deals_bridges", """
            CREATE TABLE deals_bridges AS SELECT
              id, ordinal AS bridges_ordinal, e.id AS bridges_id, e.type AS bridges_type, e.target_id AS bridges_target_id,
              e.created_at AS bridges_created_at
            FROM (SELECT id, unnest(generate_series(1, len(bridges))) AS ordinal, unnest(bridges) AS e FROM _raw)
            """);
        yield return ("deals_tags", """
            CREATE TABLE deals_tags AS SELECT id, ordinal AS tags_ordinal, e AS tags
            FROM (SELECT id, unnest(generate_series(1, len(tags))) AS ordinal, unnest(tags) AS e FROM _raw)
            """);
        yield return ("deals_stage_history", """
            CREATE TABLE deals_stage_history AS SELECT
              id, ordinal AS stage_history_ordinal, e.stage AS stage_history_stage, e.entered_at AS stage_history_entered_at,
              e.left_at AS stage_history_left_at, e.changed_by.id AS "stage_history_changed_by.id",
              e.changed_by.name AS "stage_history_changed_by.name", e.changed_by.email AS "stage_history_changed_by.email"
            FROM (SELECT id, unnest(generate_series(1, len(stage_history))) AS ordinal, unnest(stage_history) AS e FROM _raw)
            """);
        yield return ("deals_stage_history_changes", """
            CREATE TABLE deals_stage_history_changes AS SELECT
              id, stage_history_ordinal, ordinal AS stage_history_changes_ordinal, c.field AS stage_history_changes_field,
              to_json(c.old_value) AS stage_history_changes_old_value, to_json(c.new_value) AS stage_history_changes_new_value
            FROM (
              SELECT id, stage_history_ordinal, unnest(generate_series(1, len(e.changes))) AS ordinal, unnest(e.changes) AS c
              FROM (SELECT id, unnest(generate_series(1, len(stage_history))) AS stage_history_ordinal, unnest(stage_history) AS e FROM _raw))
            """);
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string Scalar(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
    }
}
