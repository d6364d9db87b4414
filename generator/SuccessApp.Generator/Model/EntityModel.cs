namespace SuccessApp.Generator.Model;

/// <summary>How a column's value is read, stored in the row struct and written to COPY.</summary>
internal enum ValueKind
{
    Text,
    Uuid,
    TimestampTz,
    Date,
    Int64,
    Numeric,
    Boolean,
    Jsonb,
    Int32,
}

internal enum ColumnKind
{
    Value,
    ParentKey,
    Ordinal,
    Extra,
    Hash,
    LoadedAt,
}

/// <summary>
/// A column of a table. <paramref name="JsonPath"/> is the value's path relative to the row's JSON object (for
/// rejects); <paramref name="SourceTable"/>/<paramref name="SourceColumn"/> say where a parent-key column is copied
/// from; <paramref name="RefTarget"/> is the <c>$ref</c> the property's schema came through, if any.
/// </summary>
internal sealed record ColumnModel(
    string Name,
    string Member,
    ColumnKind Kind,
    ValueKind Type,
    string PgType,
    bool IsKey,
    bool SchemaNullable,
    string JsonPath,
    int SourceTable,
    int SourceColumn,
    string? RefTarget,
    string? ExtraKey);

internal enum FieldKind
{
    Column,
    Object,
    Array,
}

/// <summary>How one property of an object is read: into a column, as a nested object, or as a child table.</summary>
internal sealed record FieldPlan(string JsonName, FieldKind Kind, int Column, ObjectPlan? Object, int ChildTable);

/// <summary>
/// The properties of one JSON object that land in a row: the row's own object or a nested object whose fields become
/// dotted columns of the same row. <paramref name="ExtraPrefix"/> prefixes unknown properties in <c>_extra</c>.
/// </summary>
internal sealed record ObjectPlan(int Id, string JsonPath, string ExtraPrefix, EquatableArray<FieldPlan> Fields);

/// <summary>A table: the root table of an entity or the child table of an array.</summary>
internal sealed record TableModel(
    int Index,
    string Name,
    string RowType,
    string BufferName,
    int ParentIndex,
    int Depth,
    string JsonPath,
    bool IsScalarArray,
    ObjectPlan? Element,
    int ValueColumn,
    EquatableArray<ColumnModel> Columns,
    string StagingName,
    EquatableArray<int> Children);

/// <summary>An entity resolved from its schema file and the files it refers to: all the emitter needs, nothing more.</summary>
internal sealed record EntityModel(
    string Name,
    string TypePrefix,
    string SchemaFile,
    string SettingsJson,
    EquatableArray<string> PrimaryKey,
    string? Cursor,
    int CursorColumn,
    EquatableArray<TableModel> Tables,
    string ViewName,
    string AcceptedName,
    string Namespace);

/// <summary>The outcome of resolving one entity: a model, or the diagnostics that prevent one (or both).</summary>
internal sealed record EntityResult(string SchemaPath, EntityModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
