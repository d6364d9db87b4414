using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using SuccessApp.Generator.Model;

namespace SuccessApp.Generator.Emit;

/// <summary>
/// The DDL and DML of an entity as constants: tables with keys, additive migrations, staging tables, the COPY
/// commands, the per-chunk merge, and the seed-compatible wide view. Every identifier is quoted.
/// </summary>
internal static class SqlEmitter
{
    public static void Emit(SourceWriter w, EntityModel entity)
    {
        w.Line($"/// <summary>SQL for the <c>{EntityEmitter.Xml(entity.Name)}</c> entity.</summary>");
        using (w.Block($"public static class {entity.TypePrefix}Sql"))
        {
            w.Line($"/// <summary>The schema's <c>x-successapp</c> block, as written.</summary>");
            w.Line($"public const string Settings = {Names.RawLiteral(entity.SettingsJson)};");
            foreach (var table in entity.Tables)
            {
                var ix = table.Index.ToString(CultureInfo.InvariantCulture);
                w.Line();
                w.Line($"public const string Create{ix} = {Names.RawLiteral(CreateTable(table))};");
                w.Line();
                w.Line($"public static readonly global::System.Collections.Generic.IReadOnlyList<string> AddColumns{ix} =");
                w.Line("[");
                w.Indent();
                foreach (var column in table.Columns.Where(c => !c.IsKey && c.Kind != ColumnKind.LoadedAt))
                {
                    w.Line(Names.RawLiteral($"ALTER TABLE {Names.Sql(table.Name)} ADD COLUMN IF NOT EXISTS {Names.Sql(column.Name)} {column.PgType}") + ",");
                }
                w.Outdent();
                w.Line("];");
                w.Line();
                w.Line($"public const string Stage{ix} = {Names.RawLiteral(CreateStaging(entity, table))};");
                w.Line();
                w.Line($"public const string Copy{ix} = {Names.RawLiteral(Copy(table))};");
            }
            w.Line();
            w.Line($"public const string Merge = {Names.RawLiteral(Merge(entity))};");
            w.Line();
            w.Line($"public const string View = {Names.RawLiteral(View(entity))};");
        }
    }

    public static string StagingType(ColumnModel column) =>
        column.Kind is ColumnKind.Hash ? "bigint" : column.Kind == ColumnKind.Ordinal ? "integer" : Names.PgType(column.Type);

    private static string CreateTable(TableModel table)
    {
        var lines = new List<string>();
        foreach (var column in table.Columns)
        {
            var line = $"    {Names.Sql(column.Name)} {column.PgType}";
            if (column.IsKey || column.Kind == ColumnKind.Hash)
            {
                line += " NOT NULL";
            }
            if (column.Kind == ColumnKind.LoadedAt)
            {
                line += " NOT NULL DEFAULT now()";
            }
            lines.Add(line);
        }
        lines.Add($"    PRIMARY KEY ({KeyList(table)})");
        return $"CREATE TABLE IF NOT EXISTS {Names.Sql(table.Name)} (\n{string.Join(",\n", lines)}\n)";
    }

    private static string CreateStaging(EntityModel entity, TableModel table)
    {
        var columns = EntityEmitter.StagingColumns(table).Select(c => $"    {Names.Sql(c.Name)} {StagingType(c)}");
        var sql = $"CREATE TEMP TABLE IF NOT EXISTS {Names.Sql(table.StagingName)} (\n{string.Join(",\n", columns)}\n) ON COMMIT DELETE ROWS";
        if (table.Index == 0)
        {
            var keys = table.Columns.Where(c => c.IsKey).Select(c => $"{Names.Sql(c.Name)} {StagingType(c)}");
            sql += $";\nCREATE TEMP TABLE IF NOT EXISTS {Names.Sql(entity.AcceptedName)} ({string.Join(", ", keys)}, \"_inserted\" boolean) ON COMMIT DELETE ROWS";
        }
        return sql;
    }

    private static string Copy(TableModel table) =>
        $"COPY {Names.Sql(table.StagingName)} ({ColumnList(EntityEmitter.StagingColumns(table))}) FROM STDIN (FORMAT BINARY)";

    private static string Merge(EntityModel entity)
    {
        var root = entity.Tables[0];
        var columns = EntityEmitter.StagingColumns(root);
        var keys = root.Columns.Where(c => c.IsKey).ToList();
        var updates = columns.Where(c => !c.IsKey).Select(c => $"{Names.Sql(c.Name)} = EXCLUDED.{Names.Sql(c.Name)}").ToList();
        updates.Add("\"_loaded_at\" = now()");
        var condition = "t.\"_hash\" IS DISTINCT FROM EXCLUDED.\"_hash\"";
        if (entity.CursorColumn >= 0)
        {
            var cursor = Names.Sql(root.Columns[entity.CursorColumn].Name);
            // A stored row is never overwritten by an older version; an equal cursor with new content wins (later arrival).
            condition += $"\n    AND (t.{cursor} IS NULL OR EXCLUDED.{cursor} >= t.{cursor})";
        }
        var sql = new StringBuilder();
        sql.Append("WITH upserted AS (\n");
        sql.Append($"  INSERT INTO {Names.Sql(root.Name)} AS t ({ColumnList(columns)})\n");
        sql.Append($"  SELECT {ColumnList(columns)} FROM {Names.Sql(root.StagingName)}\n");
        sql.Append($"  ON CONFLICT ({KeyList(root)}) DO UPDATE SET {string.Join(", ", updates)}\n");
        sql.Append($"  WHERE {condition}\n");
        // xmax = 0 marks a row this statement inserted (not updated): a new parent has no children to delete.
        sql.Append($"  RETURNING {ColumnList(keys)}, (xmax = 0) AS \"_inserted\")\n");
        sql.Append($"INSERT INTO {Names.Sql(entity.AcceptedName)} ({ColumnList(keys)}, \"_inserted\") SELECT {ColumnList(keys)}, \"_inserted\" FROM upserted");
        // Temp tables get no statistics by themselves; without them the child joins below can pick scans of the
        // whole child table, which grow with every chunk.
        sql.Append($";\nANALYZE {Names.Sql(entity.AcceptedName)}");
        foreach (var table in entity.Tables.Where(t => t.Index > 0))
        {
            var rootKeys = table.Columns.Where(c => c.Kind == ColumnKind.ParentKey && c.SourceTable == 0).ToList();
            var join = string.Join(" AND ", rootKeys.Select(c => $"c.{Names.Sql(c.Name)} = a.{Names.Sql(c.Name)}"));
            var staged = EntityEmitter.StagingColumns(table);
            // An accepted parent's children are replaced as a set: an array that became empty removes its rows.
            if (rootKeys.Count == 1)
            {
                // "= ANY(ARRAY(subquery))" makes the planner probe the child's key index once per replaced parent; a
                // join to the accepted keys is planned as a hash join over a scan of the whole child table, whose cost
                // grows with the table (a few hundred parents against a million rows).
                var key = Names.Sql(rootKeys[0].Name);
                sql.Append($";\nDELETE FROM {Names.Sql(table.Name)} c WHERE c.{key} = ANY (ARRAY(SELECT a.{key} FROM {Names.Sql(entity.AcceptedName)} a WHERE NOT a.\"_inserted\"))");
            }
            else
            {
                sql.Append($";\nDELETE FROM {Names.Sql(table.Name)} c USING {Names.Sql(entity.AcceptedName)} a WHERE {join} AND NOT a.\"_inserted\"");
            }
            sql.Append($";\nINSERT INTO {Names.Sql(table.Name)} ({ColumnList(staged)})\n");
            sql.Append($"SELECT {string.Join(", ", staged.Select(c => "c." + Names.Sql(c.Name)))} FROM {Names.Sql(table.StagingName)} c JOIN {Names.Sql(entity.AcceptedName)} a ON {join}");
        }
        return sql.ToString();
    }

    private static string View(EntityModel entity)
    {
        var select = new List<string>();
        foreach (var table in entity.Tables)
        {
            var alias = "t" + table.Index.ToString(CultureInfo.InvariantCulture);
            foreach (var column in table.Columns)
            {
                var included = table.Index == 0 ? column.Kind != ColumnKind.Hash : column.Kind == ColumnKind.Value;
                if (included)
                {
                    select.Add($"{alias}.{Names.Sql(column.Name)}");
                }
            }
        }
        var from = new StringBuilder($"FROM {Names.Sql(entity.Tables[0].Name)} t0");
        foreach (var table in entity.Tables.Where(t => t.Index > 0))
        {
            var alias = "t" + table.Index.ToString(CultureInfo.InvariantCulture);
            var parentAlias = "t" + table.ParentIndex.ToString(CultureInfo.InvariantCulture);
            var parent = entity.Tables[table.ParentIndex];
            var on = table.Columns.Where(c => c.Kind == ColumnKind.ParentKey)
                .Select(c => $"{alias}.{Names.Sql(c.Name)} = {parentAlias}.{Names.Sql(parent.Columns.First(p => p.Name == c.Name).Name)}");
            from.Append($"\nLEFT JOIN {Names.Sql(table.Name)} {alias} ON {string.Join(" AND ", on)}");
        }
        // The rows the old merged data frame held after drop_duplicates, computed by PostgreSQL on demand.
        return $"DROP VIEW IF EXISTS {Names.Sql(entity.ViewName)};\nCREATE VIEW {Names.Sql(entity.ViewName)} AS\nSELECT DISTINCT\n  {string.Join(",\n  ", select)}\n{from}";
    }

    private static string KeyList(TableModel table) => ColumnList(table.Columns.Where(c => c.IsKey));

    private static string ColumnList(IEnumerable<ColumnModel> columns) => string.Join(", ", columns.Select(c => Names.Sql(c.Name)));
}
