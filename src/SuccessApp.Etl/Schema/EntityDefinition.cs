using SuccessApp.Etl.Flattening;

namespace SuccessApp.Etl.Schema;

/// <summary>
/// One column as the generator laid it out: its SQL name, its type in the table and in staging, and for value
/// columns the key under which the field was kept in <c>_extra</c> while the schema did not know it.
/// </summary>
public sealed record ColumnDefinition(string Name, string PgType, string StagingType, bool IsKey, ColumnRole Role, string? ExtraKey = null);

public enum ColumnRole
{
    /// <summary>A column holding a value from the record.</summary>
    Value,

    /// <summary>The key of the parent row, repeated in a child table.</summary>
    ParentKey,

    /// <summary>An element's position in its array, the key of arrays without <c>x-key</c>.</summary>
    Ordinal,

    /// <summary><c>_extra</c>: properties the schema does not know yet.</summary>
    Extra,

    /// <summary><c>_hash</c>: stable content hash (the whole record's, for a root table).</summary>
    Hash,

    /// <summary><c>_loaded_at</c>: set by the database when the row is written.</summary>
    LoadedAt,
}

/// <summary>A table of an entity: the root table or the child table of an array, with its DDL.</summary>
public sealed record TableDefinition(
    int Index,
    string Name,
    int ParentIndex,
    string JsonPath,
    IReadOnlyList<ColumnDefinition> Columns,
    string StagingName,
    string CreateTableSql,
    IReadOnlyList<string> AddColumnSql,
    string CreateStagingSql,
    string CopyToStagingSql);

/// <summary>
/// Everything the runtime knows about an entity, generated from its schema file: tables, SQL, settings and a
/// factory for the generated batch that flattens its records.
/// </summary>
public sealed record EntityDefinition(
    string Name,
    string SchemaFile,
    IReadOnlyList<string> PrimaryKey,
    string? Cursor,
    string SettingsJson,
    IReadOnlyList<TableDefinition> Tables,
    string MergeSql,
    string AcceptedTable,
    string ViewName,
    string CreateViewSql,
    Func<EntityBatch> CreateBatch)
{
    public TableDefinition Root => Tables[0];

    /// <summary>Every statement that brings a database up to this schema; safe to run on every start.</summary>
    public IEnumerable<string> MigrationSql()
    {
        foreach (var table in Tables)
        {
            yield return table.CreateTableSql;
            foreach (var add in table.AddColumnSql)
            {
                yield return add;
            }
        }
        yield return CreateViewSql;
    }
}
