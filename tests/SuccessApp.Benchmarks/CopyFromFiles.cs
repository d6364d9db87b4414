using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using SuccessApp.Etl.Postgres;

namespace SuccessApp.Benchmarks;

/// <summary>
/// bench/compare.sh (d): PostgreSQL's own <c>COPY … FROM 'file' (FORMAT binary)</c> of the files
/// <c>successapp bench dump-copy</c> wrote — exactly the rows sync sends — into the tables <c>successapp ddl</c>
/// created, timed by this client around each COPY statement. The server reads the files itself, so this is the
/// server's ingest limit with no client in the way.
/// <para>
/// The worker's stream holds more than one version of some keys (an older version in a later chunk, which the
/// merge then discards), so with <c>--replace-primary-keys</c> each primary key becomes a plain b-tree index on the
/// same columns first: the same index maintenance, without rejecting the second version.
/// </para>
/// Also reports the backend's CPU time (utime+stime from /proc) and peak RSS over the COPYs; prints one JSON object.
/// </summary>
public static class CopyFromFiles
{
    public static int Run(string[] args)
    {
        string? manifest = null, connectionString = null;
        var replaceKeys = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--manifest":
                    manifest = args[++i];
                    break;
                case "--connection":
                    connectionString = args[++i];
                    break;
                case "--replace-primary-keys":
                    replaceKeys = true;
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument {args[i]}");
                    return 2;
            }
        }
        if (manifest is null || connectionString is null)
        {
            Console.Error.WriteLine("usage: copy-files --manifest DIR/manifest.json --connection postgres://user@host:port/db|'Host=…;Username=…;Database=…' [--replace-primary-keys]");
            return 2;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(manifest));
        var tables = document.RootElement.GetProperty("tables").EnumerateArray()
            .Select(t => (Table: t.GetProperty("table").GetString()!, Copy: t.GetProperty("copy").GetString()!, Rows: t.GetProperty("rows").GetInt64(), Bytes: t.GetProperty("bytes").GetInt64()))
            .ToList();

        if (connectionString.StartsWith("postgres://", StringComparison.Ordinal) || connectionString.StartsWith("postgresql://", StringComparison.Ordinal))
        {
            connectionString = DatabaseUrl.ToConnectionString(connectionString, DatabaseUrl.InsecureAllowedByEnvironment());
        }
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 0 }.ConnectionString);
        connection.Open();
        if (replaceKeys)
        {
            foreach (var (table, _, _, _) in tables)
            {
                ReplacePrimaryKey(connection, table);
            }
        }
        var backend = Convert.ToInt32(Scalar(connection, "SELECT pg_backend_pid()"), CultureInfo.InvariantCulture);
        var cpuBefore = ProcessCpuSeconds(backend);

        var steps = new List<(string Table, double Seconds, long Rows)>();
        var clock = Stopwatch.StartNew();
        foreach (var (table, copy, _, _) in tables)
        {
            var step = Stopwatch.StartNew();
            using var command = new NpgsqlCommand(copy, connection);
            var rows = command.ExecuteNonQuery();
            steps.Add((table, step.Elapsed.TotalSeconds, rows));
        }
        var elapsed = clock.Elapsed.TotalSeconds;
        var cpu = ProcessCpuSeconds(backend) - cpuBefore;
        var peakKb = PeakRssKb(backend);

        using var stdout = Console.OpenStandardOutput();
        using (var w = new Utf8JsonWriter(stdout))
        {
            w.WriteStartObject();
            w.WriteString("mode", "copy-files");
            w.WriteNumber("seconds", elapsed);
            w.WriteNumber("rows", steps.Sum(s => s.Rows));
            w.WriteNumber("bytes", tables.Sum(t => t.Bytes));
            w.WriteNumber("backend_pid", backend);
            w.WriteNumber("backend_cpu_seconds", cpu);
            w.WriteNumber("backend_peak_rss_mb", peakKb / 1024.0);
            w.WriteBoolean("primary_keys_replaced", replaceKeys);
            w.WriteStartObject("tables");
            foreach (var (table, seconds, rows) in steps)
            {
                w.WriteStartObject(table);
                w.WriteNumber("seconds", seconds);
                w.WriteNumber("rows", rows);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        stdout.WriteByte((byte)'\n');
        return 0;
    }

    private static void ReplacePrimaryKey(NpgsqlConnection connection, string table)
    {
        using var find = new NpgsqlCommand(
            """
            SELECT c.conname, string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
            FROM pg_constraint c
            CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
            WHERE c.conrelid = $1::regclass AND c.contype = 'p'
            GROUP BY c.conname
            """, connection);
        find.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "\"" + table.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" });
        string? name = null, columns = null;
        using (var reader = find.ExecuteReader())
        {
            if (reader.Read())
            {
                name = reader.GetString(0);
                columns = reader.GetString(1);
            }
        }
        if (name is null)
        {
            return;
        }
        var quoted = "\"" + table.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        using var alter = new NpgsqlCommand($"ALTER TABLE {quoted} DROP CONSTRAINT \"{name}\"; CREATE INDEX ON {quoted} ({columns})", connection);
        alter.ExecuteNonQuery();
    }

    private static string Scalar(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
    }

    /// <summary>utime + stime of a process, from /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s).</summary>
    internal static double ProcessCpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    private static long PeakRssKb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }
}
