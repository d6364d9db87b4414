using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using SuccessApp.Generator.Diagnostics;
using SuccessApp.Generator.Model;

namespace SuccessApp.Generator.Parsing;

/// <summary>Reads one schema file's text into a <see cref="SchemaFile"/>; reports bad input as diagnostics, never throws.</summary>
internal sealed class SchemaFileParser
{
    private static readonly HashSet<string> KnownTypes = new(StringComparer.Ordinal)
    {
        "string", "integer", "number", "boolean", "object", "array", "null",
    };

    private readonly string _path;
    private readonly byte[] _bytes;
    private readonly LineMap _lines;
    private readonly List<DiagnosticInfo> _diagnostics = new();

    private SchemaFileParser(string path, string text)
    {
        _path = path;
        _bytes = Encoding.UTF8.GetBytes(text);
        _lines = new LineMap(_bytes);
    }

    public static SchemaFile Parse(string path, string text) => new SchemaFileParser(path, text).Parse();

    private SchemaFile Parse()
    {
        var fileName = Path.GetFileName(_path);
        JsonValue root;
        try
        {
            root = JsonTree.Parse(_bytes);
        }
        catch (JsonException ex)
        {
            var message = ex.Message;
            var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
            message = cut > 0 ? message.Substring(0, cut) : message;
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidJson, _path, _lines.Position(ex.LineNumber, ex.BytePositionInLine), message));
            return new SchemaFile(_path, fileName, null, null, null, _diagnostics.ToEquatableArray());
        }

        if (root.Kind != JsonKind.Object)
        {
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RootNotObject, _path, Pos(root), fileName));
            return new SchemaFile(_path, fileName, null, null, null, _diagnostics.ToEquatableArray());
        }

        var schema = ReadSchema(root, "#");
        var settings = root.Member("x-successapp") is { } block ? ReadSettings(block) : null;
        return new SchemaFile(_path, fileName, root["$id"]?.Text, schema, settings, _diagnostics.ToEquatableArray());
    }

    private SchemaNode ReadSchema(JsonValue value, string where)
    {
        if (value.Kind is JsonKind.True or JsonKind.False)
        {
            // `true` accepts anything: a free-form value, kept as jsonb.
            return Empty(Pos(value));
        }
        if (value.Kind != JsonKind.Object)
        {
            Invalid(value, where, "a schema must be a JSON object");
            return Empty(Pos(value));
        }

        var types = ReadTypes(value, where, out var typePos);
        var properties = new List<PropertyNode>();
        var propertiesValue = value["properties"];
        if (propertiesValue is { Kind: JsonKind.Object })
        {
            foreach (var member in propertiesValue.Members)
            {
                properties.Add(new PropertyNode(member.Name, Pos(member), ReadSchema(member.Value, member.Name)));
            }
        }
        else if (propertiesValue is not null)
        {
            Invalid(propertiesValue, where + ".properties", "\"properties\" must be an object");
        }

        var definitions = new List<NamedSchema>();
        foreach (var container in new[] { "$defs", "definitions" })
        {
            if (value[container] is { Kind: JsonKind.Object } defs)
            {
                foreach (var member in defs.Members)
                {
                    definitions.Add(new NamedSchema(container, member.Name, ReadSchema(member.Value, member.Name)));
                }
            }
        }

        var itemsValue = value["items"];
        SchemaNode? items = null;
        if (itemsValue is { Kind: JsonKind.Array })
        {
            // draft-7 tuple form: only a single item schema can become a table.
            items = itemsValue.Items.Count == 1 ? ReadSchema(itemsValue.Items[0], where + "[]") : Empty(Pos(itemsValue));
        }
        else if (itemsValue is not null)
        {
            items = ReadSchema(itemsValue, where + "[]");
        }

        var enumValue = value["enum"];
        var refValue = value.Member("$ref");
        var keyMember = value.Member("x-key");
        var flatten = value["x-flatten"];
        return new SchemaNode(
            Pos(value),
            types,
            typePos,
            StringOf(value, "format", where),
            refValue?.Value.Kind == JsonKind.String ? refValue.Value.Text : null,
            refValue is null ? SourcePos.None : Pos(refValue),
            propertiesValue is not null,
            properties.ToEquatableArray(),
            StringList(value["required"], where + ".required").ToEquatableArray(),
            itemsValue is not null,
            items,
            SchemaList(value["anyOf"], where).ToEquatableArray(),
            SchemaList(value["oneOf"], where).ToEquatableArray(),
            SchemaList(value["allOf"], where).ToEquatableArray(),
            definitions.ToEquatableArray(),
            enumValue is { Kind: JsonKind.Array },
            enumValue is { Kind: JsonKind.Array } && enumValue.Items.Any(i => i.Kind == JsonKind.Null),
            StringOf(value, "x-column", where),
            value.Member("x-column") is { } column ? Pos(column) : SourcePos.None,
            StringOf(value, "x-table", where),
            value.Member("x-table") is { } table ? Pos(table) : SourcePos.None,
            StringList(keyMember?.Value, where + ".x-key").ToEquatableArray(),
            keyMember is null ? SourcePos.None : Pos(keyMember),
            PgTypeOf(value, where),
            flatten?.Kind switch { JsonKind.True => true, JsonKind.False => false, _ => null },
            StringOf(value, "description", where));
    }

    private EquatableArray<string> ReadTypes(JsonValue schema, string where, out SourcePos pos)
    {
        var member = schema.Member("type");
        pos = member is null ? SourcePos.None : Pos(member);
        if (member is null)
        {
            return EquatableArray<string>.Empty;
        }
        var names = new List<string>();
        var values = member.Value.Kind == JsonKind.Array ? member.Value.Items : new List<JsonValue> { member.Value };
        foreach (var item in values)
        {
            if (item.Kind != JsonKind.String)
            {
                Invalid(item, where + ".type", "\"type\" must be a string or an array of strings");
                continue;
            }
            if (!KnownTypes.Contains(item.Text!))
            {
                _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedType, _path, Pos(item), where, item.Text!));
                continue;
            }
            names.Add(item.Text!);
        }
        return names.ToEquatableArray();
    }

    private EntitySettings? ReadSettings(JsonMember block)
    {
        var value = block.Value;
        if (value.Kind != JsonKind.Object)
        {
            Invalid(value, "x-successapp", "must be an object");
            return null;
        }
        var key = value.Member("primaryKey");
        var cursor = value.Member("cursor");
        // Kept compact, so re-indenting the block changes nothing downstream.
        var settingsJson = JsonWriter.Compact(value);
        var table = StringOf(value, "table", "x-successapp");
        if (table is null)
        {
            Invalid(value, "x-successapp", "\"table\" is required: the name of the entity's root table");
        }
        return new EntitySettings(
            table,
            StringList(key?.Value, "x-successapp.primaryKey").ToEquatableArray(),
            key is null ? Pos(block) : Pos(key),
            StringOf(value, "cursor", "x-successapp"),
            cursor is null ? SourcePos.None : Pos(cursor),
            settingsJson,
            Pos(block));
    }

    private List<SchemaNode> SchemaList(JsonValue? value, string where)
    {
        var list = new List<SchemaNode>();
        if (value is null)
        {
            return list;
        }
        if (value.Kind != JsonKind.Array)
        {
            Invalid(value, where, "anyOf/oneOf/allOf must be an array of schemas");
            return list;
        }
        foreach (var item in value.Items)
        {
            list.Add(ReadSchema(item, where));
        }
        return list;
    }

    private List<string> StringList(JsonValue? value, string where)
    {
        var list = new List<string>();
        if (value is null)
        {
            return list;
        }
        if (value.Kind != JsonKind.Array)
        {
            Invalid(value, where, "must be an array of strings");
            return list;
        }
        foreach (var item in value.Items)
        {
            if (item.Kind == JsonKind.String)
            {
                list.Add(item.Text!);
            }
            else
            {
                Invalid(item, where, "must be an array of strings");
            }
        }
        return list;
    }

    // A type name is written into DDL as it stands (it cannot be quoted), so only plain type syntax is accepted:
    // words, an optional (precision[, scale]) and an optional []; anything else could smuggle SQL in.
    private static readonly System.Text.RegularExpressions.Regex PgTypePattern = new(
        @"^[A-Za-z_][A-Za-z0-9_]*( [A-Za-z_][A-Za-z0-9_]*)*( ?\( ?[0-9]{1,4} ?(, ?[0-9]{1,4} ?)?\))?(\[\])?$",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private string? PgTypeOf(JsonValue schema, string where)
    {
        var type = StringOf(schema, "x-pg-type", where);
        if (type is not null && !PgTypePattern.IsMatch(type))
        {
            Invalid(schema["x-pg-type"]!, where + ".x-pg-type", $"'{type}' is not a PostgreSQL type name (e.g. varchar(64), integer, numeric(12,2), double precision)");
            return null;
        }
        return type;
    }

    private string? StringOf(JsonValue schema, string name, string where)
    {
        var value = schema[name];
        if (value is null)
        {
            return null;
        }
        if (value.Kind != JsonKind.String)
        {
            Invalid(value, where + "." + name, "must be a string");
            return null;
        }
        return value.Text;
    }

    private void Invalid(JsonValue value, string where, string why) =>
        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidExtension, _path, Pos(value), where, why));

    private SourcePos Pos(JsonValue value) => _lines.Position(value.Offset, value.Length);

    private SourcePos Pos(JsonMember member) => _lines.Position(member.Offset, member.Length);

    private static SchemaNode Empty(SourcePos pos) => new(
        pos, EquatableArray<string>.Empty, SourcePos.None, null, null, SourcePos.None, false,
        EquatableArray<PropertyNode>.Empty, EquatableArray<string>.Empty, false, null,
        EquatableArray<SchemaNode>.Empty, EquatableArray<SchemaNode>.Empty, EquatableArray<SchemaNode>.Empty,
        EquatableArray<NamedSchema>.Empty, false, false, null, SourcePos.None, null, SourcePos.None,
        EquatableArray<string>.Empty, SourcePos.None, null, null, null);
}
