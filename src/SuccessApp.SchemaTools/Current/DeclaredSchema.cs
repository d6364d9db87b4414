using System.Text.Json;
using SuccessApp.SchemaTools.Json;

namespace SuccessApp.SchemaTools.Current;

/// <summary>A schema as written somewhere in a file: the value, the file, and its JSON pointer there.</summary>
internal sealed record SchemaRef(JsonAt Node, JsonTextFile File, string Pointer)
{
    public string Where => File.DisplayPath + "#" + Pointer;
}

internal enum DeclaredShape
{
    /// <summary>An object with properties: flattened into columns, unknown properties drift into <c>_extra</c>.</summary>
    Object,

    /// <summary>An array with items: a child table.</summary>
    Array,

    /// <summary>A typed scalar column.</summary>
    Scalar,

    /// <summary>A jsonb column (free-form object, mixed types, <c>x-flatten: false</c>, no type): holds anything, nothing drifts.</summary>
    FreeForm,
}

/// <summary>What the generator makes of a schema once its <c>$ref</c>s and nullable unions are followed.</summary>
internal sealed class Declared
{
    public required DeclaredShape Shape { get; init; }

    /// <summary>The schema the shape was read from (after <c>$ref</c>).</summary>
    public required SchemaRef Schema { get; init; }

    /// <summary>Object: the properties the generator sees, own and from <c>allOf</c> branches.</summary>
    public IReadOnlyDictionary<string, SchemaRef> Properties { get; init; } = new Dictionary<string, SchemaRef>();

    /// <summary>Object: the <c>properties</c> object a new property is written into.</summary>
    public SchemaRef? PropertiesObject { get; init; }

    public SchemaRef? Items { get; init; }

    /// <summary>Scalar: the declared types other than null (empty: an enum or format alone, read as string).</summary>
    public IReadOnlyList<string> Types { get; init; } = [];

    public string? Format { get; init; }
}

/// <summary>
/// Reads the current schema the way the generator reads it, walking the files' own JSON. NJsonSchema could read
/// them too (with <c>$defs</c> renamed, as its 11.x does not know the keyword), but its object model keeps no
/// positions, and a proposal is written into the file's text at the right <c>properties</c> object: so the files
/// are walked here with System.Text.Json, following <c>$ref</c> within a file and to the others by <c>$id</c> or
/// file name, exactly as the generator's resolver does.
/// </summary>
internal sealed class DeclaredResolver(SchemaSet schemas)
{
    private const int MaxHops = 64;

    private static readonly HashSet<string> ScalarTypes = new(StringComparer.Ordinal) { "string", "integer", "number", "boolean" };

    public Declared Resolve(SchemaRef schema)
    {
        var current = schema;
        for (var hops = 0; ; hops++)
        {
            var node = current.Node;
            if (node.Kind != JsonValueKind.Object || node["x-flatten"]?.Kind == JsonValueKind.False)
            {
                return FreeForm(current);
            }
            if (node["$ref"] is not { Kind: JsonValueKind.String } reference)
            {
                break;
            }
            if (hops >= MaxHops)
            {
                // A cycle of $refs: the generator reports it and keeps the value as jsonb.
                return FreeForm(current);
            }
            current = Follow(reference, current);
        }
        return ResolveUnion(current) ?? ResolveTypes(current);
    }

    /// <summary>A nullable union (<c>anyOf: [X, {"type": "null"}]</c>) is X; other unions are jsonb, unless all branches are scalars.</summary>
    private Declared? ResolveUnion(SchemaRef schema)
    {
        var keyword = schema.Node["anyOf"] is { Kind: JsonValueKind.Array } ? "anyOf" : schema.Node["oneOf"] is { Kind: JsonValueKind.Array } ? "oneOf" : null;
        if (keyword is null)
        {
            return null;
        }
        var branches = schema.Node[keyword]!.Items
            .Select((item, i) => new SchemaRef(item, schema.File, $"{schema.Pointer}/{keyword}/{i}"))
            .Where(b => !IsNullOnly(b.Node))
            .Select(Resolve)
            .ToList();
        if (branches.Count == 1)
        {
            return branches[0];
        }
        if (branches.Count > 1 && branches.All(b => b.Shape == DeclaredShape.Scalar))
        {
            return new Declared { Shape = DeclaredShape.Scalar, Schema = schema, Types = [.. branches.SelectMany(b => b.Types).Distinct()] };
        }
        return FreeForm(schema);
    }

    private Declared ResolveTypes(SchemaRef schema)
    {
        var node = schema.Node;
        var types = node["type"]?.Strings().Where(t => t != "null").Distinct().ToList() ?? [];
        var hasProperties = node["properties"] is { Kind: JsonValueKind.Object };
        var hasAllOf = node["allOf"] is { Kind: JsonValueKind.Array };
        var items = node["items"];
        if ((types.Count == 0 && (hasProperties || hasAllOf)) || types is ["object"])
        {
            return ResolveObject(schema);
        }
        if ((types.Count == 0 && items is not null) || types is ["array"])
        {
            if (items is null)
            {
                return FreeForm(schema);
            }
            // The draft-7 tuple form: the generator reads a single item schema; anything else is jsonb.
            var item = items.Kind == JsonValueKind.Array
                ? items.Items.Count == 1 ? new SchemaRef(items.Items[0], schema.File, schema.Pointer + "/items/0") : null
                : new SchemaRef(items, schema.File, schema.Pointer + "/items");
            return item is null ? FreeForm(schema) : new Declared { Shape = DeclaredShape.Array, Schema = schema, Items = item };
        }
        var format = node["format"]?.Text;
        if (types.Count == 0)
        {
            return format is not null || node["enum"] is not null
                ? new Declared { Shape = DeclaredShape.Scalar, Schema = schema, Format = format }
                : FreeForm(schema);
        }
        if (types.All(ScalarTypes.Contains) && (types.Count == 1 || (types.Count == 2 && types.Contains("integer") && types.Contains("number"))))
        {
            return new Declared { Shape = DeclaredShape.Scalar, Schema = schema, Types = types, Format = format };
        }
        return FreeForm(schema);
    }

    private Declared ResolveObject(SchemaRef schema)
    {
        var properties = new Dictionary<string, SchemaRef>(StringComparer.Ordinal);
        SchemaRef? anchor = null;
        if (schema.Node["properties"] is { Kind: JsonValueKind.Object } own)
        {
            foreach (var member in own.Members)
            {
                properties.TryAdd(member.Name, new SchemaRef(member.Value, schema.File, schema.Pointer + "/properties/" + Escape(member.Name)));
            }
            if (own.Members.Count > 0)
            {
                anchor = new SchemaRef(own, schema.File, schema.Pointer + "/properties");
            }
        }
        if (schema.Node["allOf"] is { Kind: JsonValueKind.Array } allOf)
        {
            // allOf branches add their properties (a base object plus an extension), as in the generator.
            for (var i = 0; i < allOf.Items.Count; i++)
            {
                var branch = Resolve(new SchemaRef(allOf.Items[i], schema.File, $"{schema.Pointer}/allOf/{i}"));
                if (branch.Shape != DeclaredShape.Object)
                {
                    continue;
                }
                foreach (var (name, property) in branch.Properties)
                {
                    properties.TryAdd(name, property);
                }
                anchor ??= branch.PropertiesObject;
            }
        }
        // An object without properties is free-form: one jsonb column keeps all of it.
        return properties.Count == 0
            ? FreeForm(schema)
            : new Declared { Shape = DeclaredShape.Object, Schema = schema, Properties = properties, PropertiesObject = anchor };
    }

    private SchemaRef Follow(JsonAt reference, SchemaRef from)
    {
        var text = reference.Text!;
        var hash = text.IndexOf('#', StringComparison.Ordinal);
        var filePart = hash < 0 ? text : text[..hash];
        var pointer = hash < 0 ? "" : text[(hash + 1)..];
        var file = filePart.Length == 0 ? from.File : schemas.FindFile(filePart)
            ?? throw Problem(from.File, reference, $"$ref \"{text}\" names no schema file in {Path.GetFileName(schemas.Directory)}/ (by $id or file name)");
        var node = file.Root;
        if (pointer.Length > 0)
        {
            foreach (var raw in pointer.TrimStart('/').Split('/'))
            {
                var segment = Uri.UnescapeDataString(raw).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
                node = node.Kind switch
                {
                    JsonValueKind.Object => node[segment],
                    JsonValueKind.Array when int.TryParse(segment, out var index) && index >= 0 && index < node.Items.Count => node.Items[index],
                    _ => null,
                } ?? throw Problem(from.File, reference, $"$ref \"{text}\": {file.DisplayPath} has nothing at #{pointer}");
            }
        }
        return new SchemaRef(node, file, pointer.Length == 0 ? "" : "/" + pointer.TrimStart('/'));
    }

    private static SchemaFileException Problem(JsonTextFile file, JsonAt at, string problem)
    {
        var (line, column) = file.Position(at.Start);
        return new SchemaFileException(file.DisplayPath, line, column, problem);
    }

    private static bool IsNullOnly(JsonAt node) =>
        node.Kind == JsonValueKind.Object && node["type"] is { } type && type.Strings().ToList() is ["null"];

    private static Declared FreeForm(SchemaRef schema) => new() { Shape = DeclaredShape.FreeForm, Schema = schema };

    internal static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
