using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SuccessApp.Etl.Tests.Sampling;

internal enum IssueKind
{
    /// <summary>The value's JSON type is not among the schema's (e.g. <c>"tags": null</c>).</summary>
    Type,
    Enum,
    /// <summary>A string that is not a lower-case UUID, a <c>yyyy-MM-dd</c> date or an API timestamp.</summary>
    Format,
    Required,
    /// <summary>A property the schema does not list, in an object whose schema lists properties.</summary>
    UnknownField,
    /// <summary>Not a violation (no array is required), but worth counting: a schema array left out.</summary>
    MissingArray,
    /// <summary>Not a violation either: a schema array present with no items.</summary>
    EmptyArray,
}

/// <param name="Path">Like <c>territories[].association.target_id</c>: indices dropped so paths can be matched.</param>
internal sealed record Issue(IssueKind Kind, string Path, string? Value);

/// <summary>
/// Just enough JSON Schema to check generated records against the repository's real schema files: type (incl.
/// type arrays), enum, required, properties, items, $ref across files, and the formats uuid, date and date-time
/// (the API's <c>yyyy-MM-dd HH:mm:ss</c>, or RFC 3339, as common.schema.json says).
/// </summary>
internal sealed partial class SchemaChecker
{
    private static readonly string[] ApiTimestampFormats =
        ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    private readonly Dictionary<string, JsonElement> _schemas = new(StringComparer.Ordinal);

    public SchemaChecker(string schemasDirectory)
    {
        foreach (var file in Directory.EnumerateFiles(schemasDirectory, "*.schema.json"))
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(file));
            _schemas[Path.GetFileName(file)] = document.RootElement.Clone();
        }
    }

    public static SchemaChecker ForRepository() => new(SamplingPaths.Schemas);

    public List<Issue> Check(JsonElement record, string entity)
    {
        var issues = new List<Issue>();
        var file = entity + ".schema.json";
        CheckValue(record, _schemas[file], file, "", issues);
        return issues;
    }

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", RegexOptions.CultureInvariant)]
    public static partial Regex LowerCaseUuid();

    public static bool IsApiTimestamp(string value) =>
        DateTimeOffset.TryParseExact(value, ApiTimestampFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out _);

    private void CheckValue(JsonElement value, JsonElement schema, string file, string path, List<Issue> issues)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            (schema, file) = Resolve(reference.GetString()!, file);
        }

        if (schema.TryGetProperty("type", out var type) && !TypeMatches(value, type))
        {
            issues.Add(new Issue(IssueKind.Type, path, value.GetRawText()));
            return;
        }
        if (schema.TryGetProperty("enum", out var allowed)
            && !allowed.EnumerateArray().Any(a => JsonElement.DeepEquals(a, value)))
        {
            issues.Add(new Issue(IssueKind.Enum, path, value.GetRawText()));
        }
        if (value.ValueKind == JsonValueKind.String && schema.TryGetProperty("format", out var format)
            && !FormatMatches(value.GetString()!, format.GetString()!))
        {
            issues.Add(new Issue(IssueKind.Format, path, value.GetString()));
        }

        if (value.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var properties))
        {
            foreach (var property in value.EnumerateObject())
            {
                var childPath = path.Length == 0 ? property.Name : path + "." + property.Name;
                if (properties.TryGetProperty(property.Name, out var propertySchema))
                {
                    CheckValue(property.Value, propertySchema, file, childPath, issues);
                }
                else
                {
                    issues.Add(new Issue(IssueKind.UnknownField, childPath, property.Value.GetRawText()));
                }
            }
            foreach (var declared in properties.EnumerateObject())
            {
                if (!value.TryGetProperty(declared.Name, out _) && IsArraySchema(declared.Value))
                {
                    issues.Add(new Issue(IssueKind.MissingArray, path.Length == 0 ? declared.Name : path + "." + declared.Name, null));
                }
            }
        }
        if (value.ValueKind == JsonValueKind.Object && schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray())
            {
                if (!value.TryGetProperty(name.GetString()!, out _))
                {
                    issues.Add(new Issue(IssueKind.Required, path + "." + name.GetString(), null));
                }
            }
        }
        if (value.ValueKind == JsonValueKind.Array)
        {
            if (value.GetArrayLength() == 0 && IsArraySchema(schema))
            {
                issues.Add(new Issue(IssueKind.EmptyArray, path, null));
            }
            if (schema.TryGetProperty("items", out var items))
            {
                foreach (var item in value.EnumerateArray())
                {
                    CheckValue(item, items, file, path + "[]", issues);
                }
            }
        }
    }

    private (JsonElement Schema, string File) Resolve(string reference, string currentFile)
    {
        var hash = reference.IndexOf('#', StringComparison.Ordinal);
        var file = hash > 0 ? reference[..hash] : currentFile;
        var node = _schemas[file];
        foreach (var part in reference[(hash + 1)..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node.GetProperty(part);
        }
        return (node, file);
    }

    private static bool IsArraySchema(JsonElement schema) =>
        schema.TryGetProperty("type", out var type)
        && (type.ValueKind == JsonValueKind.String
            ? type.GetString() == "array"
            : type.EnumerateArray().Any(t => t.GetString() == "array"));

    private static bool TypeMatches(JsonElement value, JsonElement type) =>
        type.ValueKind == JsonValueKind.String
            ? TypeMatches(value, type.GetString()!)
            : type.EnumerateArray().Any(t => TypeMatches(value, t.GetString()!));

    private static bool TypeMatches(JsonElement value, string type) => type switch
    {
        "null" => value.ValueKind == JsonValueKind.Null,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        _ => throw new InvalidOperationException($"Unknown schema type '{type}'."),
    };

    private static bool FormatMatches(string value, string format) => format switch
    {
        "uuid" => LowerCaseUuid().IsMatch(value),
        "date" => DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        "date-time" => IsApiTimestamp(value),
        _ => true,
    };
}
