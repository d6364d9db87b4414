using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using SuccessApp.Generator.Diagnostics;
using SuccessApp.Generator.Emit;
using SuccessApp.Generator.Model;

namespace SuccessApp.Generator.Resolution;

/// <summary>
/// Applies the flattening rules to one entity: root table, a child table per array (grandchild tables for arrays in
/// array elements), dotted columns for nested objects, keys, bookkeeping columns, and every name check.
/// </summary>
internal sealed class EntityBuilder
{
    public const int MaxIdentifierBytes = 63;

    private readonly SchemaFile _file;
    private readonly List<DiagnosticInfo> _diagnostics = new();
    private readonly SchemaResolver _resolver;
    private readonly List<TableDraft> _tables = new();
    private readonly Stack<string> _expanding = new();
    private readonly string _namespace;
    private int _planIds;

    private EntityBuilder(SchemaFile file, ImmutableArray<SchemaFile> all, string ns)
    {
        _file = file;
        _namespace = ns;
        _resolver = new SchemaResolver(all, _diagnostics);
    }

    public static EntityResult Build(SchemaFile file, ImmutableArray<SchemaFile> all, string ns)
    {
        var builder = new EntityBuilder(file, all, ns);
        var model = builder.Build();
        var errors = builder._diagnostics.ToEquatableArray();
        // The file's own errors are reported by the parse step; with any of them the entity generates nothing,
        // but resolution still runs so that one build shows every problem.
        var clean = builder._diagnostics.Count == 0 && file.Diagnostics.Count == 0;
        return new EntityResult(file.Path, clean ? model : null, errors);
    }

    private EntityModel? Build()
    {
        var settings = _file.Entity!;
        if (settings.Table is null || _file.Root is null)
        {
            return null;
        }
        var root = _resolver.Resolve(_file.Root, _file, "#");
        var rootNode = Flattened(root);
        if (!IsObjectWithProperties(rootNode))
        {
            Report(DiagnosticDescriptors.RootNotObject, _file.Root.Pos, _file.FileName);
            return null;
        }

        CheckLength("Table", settings.Table, settings.Pos, "x-successapp.table");
        var rootTable = NewTable(settings.Table, -1, 0, "$", isScalar: false, settings.Pos, _file.Path);
        var required = new HashSet<string>(rootNode.Node.Required);
        rootTable.Element = BuildObject(rootTable, rootNode, string.Empty, "", "", required);

        MarkPrimaryKey(rootTable, settings);
        FinishTables();
        var cursorColumn = FindCursor(rootTable, settings);
        CheckNames();
        if (_diagnostics.Count > 0)
        {
            return null;
        }

        var viewName = settings.Table + "_flat";
        CheckLength("View", viewName, settings.Pos, "x-successapp.table");
        var prefix = Names.Pascal(settings.Table);
        return new EntityModel(
            settings.Table,
            prefix,
            _file.FileName,
            settings.SettingsJson,
            settings.PrimaryKey,
            settings.Cursor,
            cursorColumn,
            _tables.Select(t => t.ToModel()).ToEquatableArray(),
            viewName,
            Names.Internal("_accepted_", settings.Table),
            _namespace);
    }

    private ObjectPlan BuildObject(
        TableDraft table, ResolvedSchema schema, string columnPrefix, string jsonPath, string extraPrefix, HashSet<string> required,
        bool nullableObject = false, string keyPrefix = "")
    {
        var identity = schema.Trail.Count > 0 ? schema.Trail[schema.Trail.Count - 1] : schema.File.Path + "@" + schema.Node.Pos.Offset;
        _expanding.Push(identity);
        var fields = new List<FieldPlan>();
        foreach (var (property, file) in EffectiveProperties(schema))
        {
            var where = (jsonPath + Names.PathSegment(property.Name)).TrimStart('.');
            var resolved = _resolver.Resolve(property.Schema, file, where);
            var flattened = Flattened(resolved);
            var columnName = columnPrefix + (resolved.Column ?? property.Name);
            var path = jsonPath + Names.PathSegment(property.Name);
            // A field of an object that may itself be null or absent is nullable whatever the object requires.
            var nullable = nullableObject || resolved.Nullable || !required.Contains(property.Name);
            var kind = Classify(flattened, where, property.Pos, file.Path);

            if (kind == Shape.Object && IsRecursive(flattened))
            {
                ReportIn(file.Path, DiagnosticDescriptors.RecursiveSchema, property.Pos, where, flattened.RefTarget ?? property.Name);
                kind = Shape.Scalar;
                flattened.Flatten = false;
            }

            switch (kind)
            {
                case Shape.Object:
                {
                    var nested = BuildObject(table, flattened, columnName + ".", path, extraPrefix + Names.JsonEscape(property.Name) + ".", new HashSet<string>(flattened.Node.Required), nullable, keyPrefix + property.Name + ".");
                    fields.Add(new FieldPlan(property.Name, FieldKind.Object, -1, nested, -1));
                    break;
                }
                case Shape.Array:
                {
                    var child = BuildArray(table, property, file, flattened, table.ColumnPrefix + columnName, path, where);
                    if (child >= 0)
                    {
                        fields.Add(new FieldPlan(property.Name, FieldKind.Array, -1, null, child));
                    }
                    break;
                }
                default:
                {
                    var type = ScalarType(flattened);
                    var column = table.AddColumn(new ColumnDraft(
                        table.ColumnPrefix + columnName,
                        ColumnKind.Value,
                        type,
                        flattened.PgType ?? Names.PgType(type),
                        nullable,
                        path,
                        resolved.RefTarget,
                        property.Pos,
                        property.Name,
                        file.Path)
                    {
                        // Where the field waited in _extra before the schema knew it: moved into the column on migration.
                        ExtraKey = keyPrefix + property.Name,
                    });
                    fields.Add(new FieldPlan(property.Name, FieldKind.Column, column, null, -1));
                    break;
                }
            }
        }
        _expanding.Pop();
        return new ObjectPlan(_planIds++, jsonPath, extraPrefix, fields.ToEquatableArray());
    }

    private int BuildArray(TableDraft parent, PropertyNode property, SchemaFile file, ResolvedSchema array, string baseName, string path, string where)
    {
        if (array.Node.Items is null)
        {
            ReportIn(file.Path, DiagnosticDescriptors.ArrayWithoutItems, property.Pos, where);
            return -1;
        }
        var items = _resolver.Resolve(array.Node.Items, array.File, where + "[]");
        var flattenedItems = Flattened(items);
        var itemShape = Classify(flattenedItems, where + "[]", property.Pos, file.Path);
        if (itemShape == Shape.Object && IsRecursive(flattenedItems))
        {
            ReportIn(file.Path, DiagnosticDescriptors.RecursiveSchema, property.Pos, where, flattenedItems.RefTarget ?? property.Name);
            itemShape = Shape.Scalar;
            flattenedItems.Flatten = false;
        }
        var tableName = array.Table ?? parent.Name + "_" + baseName.Substring(parent.ColumnPrefix.Length).Replace('.', '_');
        CheckLength("Table", tableName, property.Pos, "x-table", file.Path);

        var child = NewTable(tableName, parent.Index, parent.Depth + 1, path, itemShape != Shape.Object, property.Pos, file.Path);
        child.ColumnPrefix = baseName + "_";
        child.DeclaredKey = array.Key.Count > 0 ? array.Key : items.Key;
        child.KeyPos = array.Key.Count > 0 ? array.KeyPos : items.KeyPos;

        if (itemShape == Shape.Object)
        {
            child.Element = BuildObject(child, flattenedItems, string.Empty, string.Empty, string.Empty, new HashSet<string>(flattenedItems.Node.Required));
        }
        else
        {
            // Array of scalars (or of arrays / free-form values, kept as jsonb): one value column named after the array.
            var type = itemShape == Shape.Object || itemShape == Shape.Array ? ValueKind.Jsonb : ScalarType(flattenedItems);
            var nullable = flattenedItems.Nullable || flattenedItems.Node.Types.Count == 0;
            child.ValueColumn = child.AddColumn(new ColumnDraft(
                baseName, ColumnKind.Value, type, flattenedItems.PgType ?? Names.PgType(type), nullable, string.Empty,
                items.RefTarget, property.Pos, property.Name, file.Path));
        }
        return child.Index;
    }

    /// <summary>The object's properties with the file each was declared in (allOf branches may live elsewhere).</summary>
    private IEnumerable<(PropertyNode Property, SchemaFile File)> EffectiveProperties(ResolvedSchema schema)
    {
        var seen = new HashSet<string>();
        foreach (var property in schema.Node.Properties)
        {
            if (seen.Add(property.Name))
            {
                yield return (property, schema.File);
            }
        }
        // allOf branches add their properties (the common "base object + extension" habit).
        foreach (var branch in schema.Node.AllOf)
        {
            var resolved = _resolver.Resolve(branch, schema.File, "allOf");
            foreach (var property in EffectiveProperties(resolved))
            {
                if (seen.Add(property.Property.Name))
                {
                    yield return property;
                }
            }
        }
    }

    private enum Shape
    {
        Scalar,
        Object,
        Array,
    }

    /// <summary>Replaces a nullable union (<c>anyOf: [X, null]</c>) by X; leaves everything else as it is.</summary>
    private ResolvedSchema Flattened(ResolvedSchema schema)
    {
        var branches = schema.Node.AnyOf.Count > 0 ? schema.Node.AnyOf : schema.Node.OneOf;
        if (branches.Count == 0)
        {
            return schema;
        }
        var nonNull = new List<ResolvedSchema>();
        foreach (var branch in branches)
        {
            var resolved = _resolver.Resolve(branch, schema.File, "anyOf");
            if (resolved.Node.Types.Count == 1 && resolved.Node.Types[0] == "null")
            {
                schema.Nullable = true;
                continue;
            }
            nonNull.Add(resolved);
        }
        if (nonNull.Count == 1)
        {
            var only = nonNull[0];
            only.Nullable |= schema.Nullable;
            only.Column = schema.Column ?? only.Column;
            only.Table = schema.Table ?? only.Table;
            only.PgType = schema.PgType ?? only.PgType;
            only.Flatten = schema.Flatten ?? only.Flatten;
            only.RefTarget = schema.RefTarget ?? only.RefTarget;
            if (schema.Key.Count > 0)
            {
                only.Key = schema.Key;
                only.KeyPos = schema.KeyPos;
            }
            only.Trail.InsertRange(0, schema.Trail);
            return only;
        }
        var kinds = nonNull.Select(b => Classify(b, null, SourcePos.None, b.File.Path) == Shape.Scalar ? ScalarType(b).ToString() : "composite").Distinct().ToList();
        if (kinds.Count == 1 && kinds[0] != "composite")
        {
            var first = nonNull[0];
            first.Nullable |= schema.Nullable;
            first.Column = schema.Column ?? first.Column;
            first.PgType = schema.PgType ?? first.PgType;
            first.Flatten = schema.Flatten ?? first.Flatten;
            return first;
        }
        // Differing branches: one jsonb column keeps whatever arrives.
        schema.Flatten = false;
        return schema;
    }

    private Shape Classify(ResolvedSchema schema, string? where, SourcePos pos, string file)
    {
        if (schema.Flatten == false)
        {
            return Shape.Scalar;
        }
        var node = schema.Node;
        var types = node.Types.Where(t => t != "null").ToList();
        if (types.Count == 0)
        {
            if (node.HasProperties || node.AllOf.Count > 0)
            {
                return IsObjectWithProperties(schema) ? Shape.Object : Shape.Scalar;
            }
            return node.HasItems ? Shape.Array : Shape.Scalar;
        }
        if (types.Count > 1)
        {
            return Shape.Scalar;
        }
        switch (types[0])
        {
            case "object":
                return IsObjectWithProperties(schema) ? Shape.Object : Shape.Scalar;
            case "array":
                if (!node.HasItems && where is not null)
                {
                    ReportIn(file, DiagnosticDescriptors.ArrayWithoutItems, pos, where);
                    schema.Flatten = false;
                    return Shape.Scalar;
                }
                return Shape.Array;
            default:
                return Shape.Scalar;
        }
    }

    private bool IsObjectWithProperties(ResolvedSchema schema) =>
        schema.Node.Properties.Count > 0 || schema.Node.AllOf.Any(b => _resolver.Resolve(b, schema.File, "allOf").Node.Properties.Count > 0);

    private bool IsRecursive(ResolvedSchema schema) =>
        schema.Trail.Count > 0 && _expanding.Contains(schema.Trail[schema.Trail.Count - 1]);

    private static ValueKind ScalarType(ResolvedSchema schema)
    {
        if (schema.Flatten == false)
        {
            return ValueKind.Jsonb;
        }
        var types = schema.Node.Types.Where(t => t != "null").Distinct().ToList();
        if (types.Count == 2 && types.Contains("integer") && types.Contains("number"))
        {
            return ValueKind.Numeric;
        }
        if (types.Count == 0)
        {
            // No type: an enum or format alone still says string; anything else is free-form JSON.
            return schema.Node.Format is not null ? StringType(schema.Node.Format) : schema.Node.HasEnum ? ValueKind.Text : ValueKind.Jsonb;
        }
        if (types.Count > 1)
        {
            return ValueKind.Jsonb;
        }
        return types[0] switch
        {
            "string" => StringType(schema.Node.Format),
            "integer" => ValueKind.Int64,
            "number" => ValueKind.Numeric,
            "boolean" => ValueKind.Boolean,
            _ => ValueKind.Jsonb,
        };
    }

    private static ValueKind StringType(string? format) => format switch
    {
        "uuid" => ValueKind.Uuid,
        "date-time" => ValueKind.TimestampTz,
        "date" => ValueKind.Date,
        _ => ValueKind.Text,
    };

    private TableDraft NewTable(string name, int parent, int depth, string path, bool isScalar, SourcePos pos, string file)
    {
        var table = new TableDraft(_tables.Count, name, parent, depth, path, isScalar, pos) { FilePath = file };
        _tables.Add(table);
        if (parent >= 0)
        {
            _tables[parent].Children.Add(table.Index);
        }
        return table;
    }

    private void MarkPrimaryKey(TableDraft root, EntitySettings settings)
    {
        if (settings.PrimaryKey.Count == 0)
        {
            Report(DiagnosticDescriptors.MissingPrimaryKey, settings.Pos, settings.Table!, "declares no \"primaryKey\"");
            return;
        }
        foreach (var key in settings.PrimaryKey)
        {
            var column = root.Columns.FindIndex(c => c.Kind == ColumnKind.Value && c.PropertyName == key && c.JsonPath == Names.PathSegment(key));
            if (column < 0)
            {
                Report(DiagnosticDescriptors.MissingPrimaryKey, settings.PrimaryKeyPos, settings.Table!, $"has primary key '{key}', which is not a top-level scalar property");
                continue;
            }
            if (root.Columns[column].Type == ValueKind.Jsonb)
            {
                Report(DiagnosticDescriptors.MissingPrimaryKey, settings.PrimaryKeyPos, settings.Table!, $"has primary key '{key}', which is free-form JSON and cannot be a key");
                continue;
            }
            root.Columns[column].IsKey = true;
            root.KeyColumns.Add(column);
        }
    }

    /// <summary>Adds parent keys, ordinals and bookkeeping columns, in that order around the value columns.</summary>
    private void FinishTables()
    {
        foreach (var table in _tables)
        {
            if (table.ParentIndex >= 0)
            {
                var parent = _tables[table.ParentIndex];
                var keys = new List<ColumnDraft>();
                foreach (var parentKey in parent.KeyColumns)
                {
                    var source = parent.Columns[parentKey];
                    var origin = source.Kind == ColumnKind.ParentKey ? (source.SourceTable, source.SourceColumn) : (parent.Index, parentKey);
                    keys.Add(new ColumnDraft(source.Name, ColumnKind.ParentKey, source.Type, source.PgType, false, string.Empty, null, table.Pos, source.PropertyName, table.FilePath)
                    {
                        IsKey = true,
                        SourceTable = origin.Item1,
                        SourceColumn = origin.Item2,
                    });
                }
                var ownKeys = new List<int>();
                if (table.DeclaredKey.Count > 0)
                {
                    foreach (var key in table.DeclaredKey)
                    {
                        var column = table.Element is null
                            ? -1
                            : table.Columns.FindIndex(c => c.Kind == ColumnKind.Value && c.PropertyName == key && c.JsonPath == Names.PathSegment(key));
                        if (column < 0 || table.Columns[column].Type == ValueKind.Jsonb)
                        {
                            ReportIn(table.FilePath, DiagnosticDescriptors.InvalidKey, table.KeyPos, table.JsonPath.TrimStart('.'), key);
                            continue;
                        }
                        table.Columns[column].IsKey = true;
                        ownKeys.Add(column);
                    }
                }
                else
                {
                    keys.Add(new ColumnDraft(table.ColumnPrefix + "ordinal", ColumnKind.Ordinal, ValueKind.Int32, "integer", false, string.Empty, null, table.Pos, "(position)", table.FilePath)
                    {
                        IsKey = true,
                    });
                }
                table.Prepend(keys);
                table.KeyColumns.Clear();
                table.KeyColumns.AddRange(Enumerable.Range(0, keys.Count));
                table.KeyColumns.AddRange(ownKeys.Select(k => k + keys.Count));
            }
            table.AddColumn(new ColumnDraft("_extra", ColumnKind.Extra, ValueKind.Jsonb, "jsonb", true, string.Empty, null, table.Pos, "_extra", table.FilePath));
            table.AddColumn(new ColumnDraft("_hash", ColumnKind.Hash, ValueKind.Int64, "bigint", false, string.Empty, null, table.Pos, "_hash", table.FilePath));
            table.AddColumn(new ColumnDraft("_loaded_at", ColumnKind.LoadedAt, ValueKind.TimestampTz, "timestamptz", false, string.Empty, null, table.Pos, "_loaded_at", table.FilePath));
        }
    }

    private int FindCursor(TableDraft root, EntitySettings settings)
    {
        if (settings.Cursor is null)
        {
            return -1;
        }
        var column = root.Columns.FindIndex(c => c.Kind == ColumnKind.Value && c.PropertyName == settings.Cursor && c.JsonPath == Names.PathSegment(settings.Cursor));
        if (column < 0 || root.Columns[column].Type is not (ValueKind.TimestampTz or ValueKind.Date or ValueKind.Int64))
        {
            Report(DiagnosticDescriptors.InvalidCursor, settings.CursorPos, settings.Cursor, settings.Table!);
            return -1;
        }
        return column;
    }

    private void CheckNames()
    {
        var tables = new Dictionary<string, TableDraft>(StringComparer.Ordinal);
        foreach (var table in _tables)
        {
            if (tables.TryGetValue(table.Name, out var other))
            {
                ReportIn(table.FilePath, DiagnosticDescriptors.NameCollision, table.Pos, other.JsonPath, table.JsonPath, "table", table.Name, "x-table");
            }
            else
            {
                tables[table.Name] = table;
            }
            var columns = new Dictionary<string, ColumnDraft>(StringComparer.Ordinal);
            foreach (var column in table.Columns)
            {
                CheckLength("Column", column.Name, column.Pos, "x-column", column.FilePath);
                if (columns.TryGetValue(column.Name, out var first))
                {
                    ReportIn(column.FilePath, DiagnosticDescriptors.NameCollision, column.Pos, first.Describe(), column.Describe(), "column", column.Name, "x-column");
                }
                else
                {
                    columns[column.Name] = column;
                }
            }
        }

        // The wide view puts every table's value columns side by side: they must not collide there either.
        var viewColumns = new Dictionary<string, (TableDraft Table, ColumnDraft Column)>(StringComparer.Ordinal);
        foreach (var table in _tables)
        {
            foreach (var column in table.Columns.Where(c => ViewIncludes(table, c)))
            {
                if (!viewColumns.TryGetValue(column.Name, out var seen))
                {
                    viewColumns[column.Name] = (table, column);
                }
                else if (seen.Table != table)
                {
                    // Collisions within one table are reported above; here only those between tables.
                    var first = seen.Column;
                    ReportIn(column.FilePath, DiagnosticDescriptors.NameCollision, column.Pos, first.Describe(), column.Describe(), "column of the wide view", column.Name, "x-column");
                }
            }
        }
    }

    internal static bool ViewIncludes(TableDraft table, ColumnDraft column) =>
        table.Index == 0 ? column.Kind is not ColumnKind.Hash : column.Kind == ColumnKind.Value;

    private void CheckLength(string what, string name, SourcePos pos, string fix, string? file = null)
    {
        var bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxIdentifierBytes)
        {
            ReportIn(file ?? _file.Path, DiagnosticDescriptors.NameTooLong, pos, what, name, bytes.ToString(System.Globalization.CultureInfo.InvariantCulture), fix);
        }
    }

    private void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, SourcePos pos, params string[] arguments) =>
        ReportIn(_file.Path, descriptor, pos, arguments);

    /// <summary>Reports in the file the offending schema is written in, which may be a shared definitions file.</summary>
    private void ReportIn(string file, Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, SourcePos pos, params string[] arguments) =>
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, file, pos, arguments));
}

/// <summary>A table while it is being built (mutable); frozen into a <see cref="TableModel"/> at the end.</summary>
internal sealed class TableDraft
{
    public TableDraft(int index, string name, int parentIndex, int depth, string jsonPath, bool isScalarArray, SourcePos pos)
    {
        Index = index;
        Name = name;
        ParentIndex = parentIndex;
        Depth = depth;
        JsonPath = jsonPath;
        IsScalarArray = isScalarArray;
        Pos = pos;
    }

    public int Index { get; }

    public string Name { get; }

    public int ParentIndex { get; }

    public int Depth { get; }

    public string JsonPath { get; }

    public bool IsScalarArray { get; }

    public SourcePos Pos { get; }

    public string FilePath { get; init; } = string.Empty;

    public string ColumnPrefix { get; set; } = string.Empty;

    public EquatableArray<string> DeclaredKey { get; set; } = EquatableArray<string>.Empty;

    public SourcePos KeyPos { get; set; }

    public ObjectPlan? Element { get; set; }

    public int ValueColumn { get; set; } = -1;

    public List<ColumnDraft> Columns { get; } = new();

    public List<int> KeyColumns { get; } = new();

    public List<int> Children { get; } = new();

    private int _shift;

    public int AddColumn(ColumnDraft column)
    {
        Columns.Add(column);
        return Columns.Count - 1;
    }

    /// <summary>Puts key columns first; plans keep the indices they were built with, shifted once here.</summary>
    public void Prepend(List<ColumnDraft> columns)
    {
        Columns.InsertRange(0, columns);
        _shift = columns.Count;
        if (ValueColumn >= 0)
        {
            ValueColumn += _shift;
        }
        if (Element is not null)
        {
            Element = Shift(Element, _shift);
        }
    }

    private static ObjectPlan Shift(ObjectPlan plan, int by) => plan with
    {
        Fields = plan.Fields.Select(f => f with
        {
            Column = f.Kind == FieldKind.Column ? f.Column + by : f.Column,
            Object = f.Object is null ? null : Shift(f.Object, by),
        }).ToEquatableArray(),
    };

    public TableModel ToModel()
    {
        // Bookkeeping members keep their fixed names; a property that maps onto one is suffixed instead.
        var members = new MemberNames("RecordIndex", "Superseded", "KeyHash", "Extra", "Hash", "LoadedAt");
        var columns = Columns.Select(c => new ColumnModel(
            c.Name,
            c.Kind switch { ColumnKind.Extra => "Extra", ColumnKind.Hash => "Hash", ColumnKind.LoadedAt => "LoadedAt", _ => members.Claim(Names.Pascal(c.Name)) },
            c.Kind,
            c.Type,
            c.PgType,
            c.IsKey,
            c.SchemaNullable,
            c.JsonPath,
            c.SourceTable,
            c.SourceColumn,
            c.RefTarget,
            c.ExtraKey)).ToEquatableArray();
        var pascal = Names.Pascal(Name);
        return new TableModel(
            Index,
            Name,
            pascal + "Row",
            pascal,
            ParentIndex,
            Depth,
            JsonPath,
            IsScalarArray,
            Element,
            ValueColumn,
            columns,
            Names.Internal("_stage_", Name),
            Children.ToEquatableArray());
    }
}

internal sealed class ColumnDraft
{
    public ColumnDraft(string name, ColumnKind kind, ValueKind type, string pgType, bool nullable, string jsonPath, string? refTarget, SourcePos pos, string propertyName, string filePath)
    {
        FilePath = filePath;
        Name = name;
        Kind = kind;
        Type = type;
        PgType = pgType;
        SchemaNullable = nullable;
        JsonPath = jsonPath;
        RefTarget = refTarget;
        Pos = pos;
        PropertyName = propertyName;
    }

    public string Name { get; }

    public ColumnKind Kind { get; }

    public ValueKind Type { get; }

    public string PgType { get; }

    public bool SchemaNullable { get; }

    public string JsonPath { get; }

    public string? RefTarget { get; }

    public SourcePos Pos { get; }

    public string PropertyName { get; }

    public string? ExtraKey { get; init; }

    /// <summary>The schema file the property is written in.</summary>
    public string FilePath { get; }

    public bool IsKey { get; set; }

    public int SourceTable { get; set; } = -1;

    public int SourceColumn { get; set; } = -1;

    public string Describe() => Kind == ColumnKind.Value ? (JsonPath.Length == 0 ? PropertyName : JsonPath.TrimStart('.')) : Name;
}
