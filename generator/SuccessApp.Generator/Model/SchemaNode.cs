namespace SuccessApp.Generator.Model;

/// <summary>
/// One schema of a file as read, before any <c>$ref</c> is followed: plain equatable data, so an unchanged file
/// gives an equal model and every later step stays cached.
/// </summary>
internal sealed record SchemaNode(
    SourcePos Pos,
    EquatableArray<string> Types,
    SourcePos TypePos,
    string? Format,
    string? Ref,
    SourcePos RefPos,
    bool HasProperties,
    EquatableArray<PropertyNode> Properties,
    EquatableArray<string> Required,
    bool HasItems,
    SchemaNode? Items,
    EquatableArray<SchemaNode> AnyOf,
    EquatableArray<SchemaNode> OneOf,
    EquatableArray<SchemaNode> AllOf,
    EquatableArray<NamedSchema> Definitions,
    bool HasEnum,
    bool EnumHasNull,
    string? Column,
    SourcePos ColumnPos,
    string? Table,
    SourcePos TablePos,
    EquatableArray<string> Key,
    SourcePos KeyPos,
    string? PgType,
    bool? Flatten,
    string? Description);

/// <summary>A property: its name as the API sends it, where it is, and its schema.</summary>
internal sealed record PropertyNode(string Name, SourcePos Pos, SchemaNode Schema);

/// <summary>A definition under <c>$defs</c> or <c>definitions</c>; <paramref name="Container"/> is which.</summary>
internal sealed record NamedSchema(string Container, string Name, SchemaNode Schema);

/// <summary>The root <c>x-successapp</c> block of an entity.</summary>
internal sealed record EntitySettings(
    string? Table,
    EquatableArray<string> PrimaryKey,
    SourcePos PrimaryKeyPos,
    string? Cursor,
    SourcePos CursorPos,
    string SettingsJson,
    SourcePos Pos);

/// <summary>A schema file as parsed: its identity, its root schema, its entity settings and its own diagnostics.</summary>
internal sealed record SchemaFile(
    string Path,
    string FileName,
    string? Id,
    SchemaNode? Root,
    EntitySettings? Entity,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    public bool IsEntity => Entity is not null;
}
