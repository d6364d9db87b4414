using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using SuccessApp.SchemaTools.Inference;

namespace SuccessApp.SchemaTools.Proposal;

/// <summary>
/// The schema proposed for a property the samples showed and the schema lacks, in the repository's conventions:
/// <c>"type": ["string", "null"]</c> when nulls or absences were seen, a format only when every string fits it, an
/// object's properties, an array's items. Several JSON types stay a type list, which the generator keeps as jsonb.
/// </summary>
public sealed class ProposedSchema
{
    public required IReadOnlyList<string> Types { get; init; }

    public string? Format { get; init; }

    /// <summary>An object's properties (null: none, a free-form object).</summary>
    public IReadOnlyList<KeyValuePair<string, ProposedSchema>>? Properties { get; init; }

    public ProposedSchema? Items { get; init; }

    /// <summary>What the samples showed at this path.</summary>
    public required Observed Observed { get; init; }

    private bool HasProperties => Properties is not null || (Items?.HasProperties ?? false);

    /// <summary>
    /// Infers the schema of one path. Null when nothing says its type (only nulls, or only empty arrays): the
    /// reason goes to <paramref name="notes"/>.
    /// </summary>
    /// <param name="containers">how many objects held the property (null for array elements): fewer values than that means it was missing in some</param>
    internal static ProposedSchema? Infer(Observed node, long? containers, string path, List<NotProposed> notes)
    {
        var kinds = node.Kinds.Select(k => k == JsonKind.Integer && node.Count(JsonKind.Number) > 0 ? JsonKind.Number : k).Distinct().ToList();
        if (kinds.Count == 0)
        {
            notes.Add(new NotProposed(path, node.Records, "only null seen, so its type is unknown: add it by hand, or run again on records that have a value"));
            return null;
        }
        var nullable = node.Count(JsonKind.Null) > 0 || (containers is { } count && node.Occurrences < count);
        if (kinds.Count > 1)
        {
            // Several types: the generator makes a jsonb column of a type list, which keeps every value as it came.
            return new ProposedSchema { Types = WithNull([.. kinds.Select(Name)], nullable), Observed = node };
        }
        switch (kinds[0])
        {
            case JsonKind.String:
            {
                var strings = node.Count(JsonKind.String);
                var format = node.Uuids == strings ? "uuid" : node.Dates == strings ? "date" : node.DateTimes == strings ? "date-time" : null;
                return new ProposedSchema { Types = WithNull(["string"], nullable), Format = format, Observed = node };
            }
            case JsonKind.Object:
            {
                var properties = new List<KeyValuePair<string, ProposedSchema>>();
                foreach (var (name, child) in node.Properties)
                {
                    if (Infer(child, node.Count(JsonKind.Object), path + "." + name, notes) is { } schema)
                    {
                        properties.Add(new(name, schema));
                    }
                }
                // Only empty objects seen: a free-form object, one jsonb column.
                return new ProposedSchema { Types = WithNull(["object"], nullable), Properties = properties.Count > 0 ? properties : null, Observed = node };
            }
            case JsonKind.Array:
            {
                if (node.Items is not { Occurrences: > 0 } elements)
                {
                    notes.Add(new NotProposed(path, node.Records, "only empty arrays seen, so the type of its elements is unknown: add it by hand, or run again on records that have elements"));
                    return null;
                }
                var items = Infer(elements, null, path + "[]", notes);
                if (items is null)
                {
                    return null;
                }
                // A missing array is an empty child set, not a null: only an explicit null makes it nullable.
                return new ProposedSchema { Types = WithNull(["array"], node.Count(JsonKind.Null) > 0), Items = items, Observed = node };
            }
            default:
                return new ProposedSchema { Types = WithNull([Name(kinds[0])], nullable), Observed = node };
        }
    }

    /// <summary>Short form for the list of additions: <c>["string", "null"] date-time</c>, <c>array of objects</c>.</summary>
    public string Summary() => Items is { } items
        ? "array of " + (items.Types.Contains("object") && items.Properties is not null ? "objects" : items.Summary())
        : TypeJson() + (Format is null ? "" : " " + Format);

    /// <summary>The schema as JSON on one line.</summary>
    public string ToCompactJson() => Render(this, "", "", "", compact: true);

    /// <summary>
    /// The schema as the file would hold it: on one line when nothing in it has properties (as the hand-written
    /// files do), otherwise one member a line, indented from <paramref name="indent"/> in steps of <paramref name="unit"/>.
    /// </summary>
    public string ToJson(string indent, string unit, string newLine) => Render(this, indent, unit, newLine, compact: false);

    internal string TypeJson() => Types.Count == 1 ? Quote(Types[0]) : "[" + string.Join(", ", Types.Select(Quote)) + "]";

    private static string Render(ProposedSchema schema, string indent, string unit, string newLine, bool compact)
    {
        var inner = indent + unit;
        var members = new List<(string Key, string Value)> { ("type", schema.TypeJson()) };
        if (schema.Format is not null)
        {
            members.Add(("format", Quote(schema.Format)));
        }
        if (schema.Items is not null)
        {
            members.Add(("items", Render(schema.Items, inner, unit, newLine, compact)));
        }
        if (schema.Properties is not null)
        {
            var oneLine = compact;
            var properties = schema.Properties.Select(p => (Quote(p.Key), Render(p.Value, inner + unit, unit, newLine, compact))).ToList();
            members.Add(("properties", Block(properties, inner, unit, newLine, oneLine)));
        }
        return Block([.. members.Select(m => (Quote(m.Key), m.Value))], indent, unit, newLine, compact || !schema.HasProperties);
    }

    private static string Block(List<(string Key, string Value)> members, string indent, string unit, string newLine, bool oneLine)
    {
        if (oneLine)
        {
            return "{ " + string.Join(", ", members.Select(m => m.Key + ": " + m.Value)) + " }";
        }
        var text = new StringBuilder("{");
        for (var i = 0; i < members.Count; i++)
        {
            text.Append(i == 0 ? "" : ",").Append(newLine).Append(indent).Append(unit).Append(members[i].Key).Append(": ").Append(members[i].Value);
        }
        return text.Append(newLine).Append(indent).Append('}').ToString();
    }

    private static List<string> WithNull(List<string> types, bool nullable)
    {
        if (nullable)
        {
            types.Add("null");
        }
        return types;
    }

    private static string Name(JsonKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>A JSON string literal that escapes only what JSON requires, so names stay readable in the file.</summary>
    internal static string Quote(string text) =>
        "\"" + JsonEncodedText.Encode(text, JavaScriptEncoder.UnsafeRelaxedJsonEscaping) + "\"";
}

/// <summary>A path the samples showed that no addition can be proposed for, and why.</summary>
public sealed record NotProposed(string Path, long Records, string Reason);
