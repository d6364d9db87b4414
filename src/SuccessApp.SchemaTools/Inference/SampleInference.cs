using System.Text;
using System.Text.Json;
using NJsonSchema;
using SuccessApp.Etl.Flattening;
using SuccessApp.Etl.Sources;

namespace SuccessApp.SchemaTools.Inference;

/// <summary>A sample record that was left out, and why.</summary>
public sealed record SkippedRecord(long Record, long? Line, string Reason);

/// <summary>
/// Infers the schema of sample records and merges what every record showed into one <see cref="Observed"/> tree.
/// <para>
/// Each record's schema is inferred by NJsonSchema's <see cref="SampleJsonSchemaGenerator"/>. Its inference is made
/// for one document, and three of its habits would mislead a proposal built from it alone, so the record's own JSON
/// is walked beside the inferred schema:
/// </para>
/// <list type="bullet">
/// <item>An object whose keys are all keys of an object inferred earlier in the record shares that object's
/// definition, which then carries the other object's properties and, for a shared name, its type. So only the
/// properties the value really has are followed, and a type that the value contradicts is taken from the value.</item>
/// <item>A null gets no type at all, and a number is an integer even beyond bigint: both are read from the value.</item>
/// <item>Formats: it never says <c>uuid</c>, and Newtonsoft reads an RFC 3339 time at midnight as a date. Formats are
/// decided on the strings with the loader's own parsers (<see cref="Utf8Values"/>), so a proposed uuid, date-time or
/// date column is one the loader fills from every value seen.</item>
/// </list>
/// Merging across records (counts, nullability from nulls and absences, a format only when every string fits it)
/// is done here, in <see cref="Observed"/>.
/// </summary>
public sealed class SampleInference
{
    private const int MaxDepth = 64;

    private readonly SampleJsonSchemaGenerator _generator = new();
    private readonly List<SkippedRecord> _skipped = [];
    private long _records;

    /// <summary>The merged observations; its object count is the number of records used.</summary>
    public Observed Root { get; } = new();

    public long RecordsUsed => Root.Count(JsonKind.Object);

    public IReadOnlyList<SkippedRecord> Skipped => _skipped;

    /// <summary>Values whose JSON type NJsonSchema's inference got wrong for the reasons above, corrected from the value.</summary>
    public long TypesCorrected { get; private set; }

    /// <summary>Adds a frame of a record source: a frame the framer could not cut whole is skipped and counted.</summary>
    /// <param name="withLine">the source is a file, whose line numbers help to find a record</param>
    public bool Add(RecordFrame frame, long recordNumber, bool withLine)
    {
        long? line = withLine ? frame.Line : null;
        return frame.Status switch
        {
            RecordFrameStatus.Ok => Add(frame.Bytes, recordNumber, line),
            RecordFrameStatus.TooLarge => Skip(recordNumber, line, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{frame.Length / 1048576.0:0.#} MiB, more than the record size limit")),
            _ => Skip(recordNumber, line, "not a complete JSON value (cut short or unbalanced)"),
        };
    }

    /// <summary>Adds one record; a record that is not a JSON object is skipped and counted, never thrown.</summary>
    /// <param name="recordNumber">1-based position among the records read, for messages</param>
    public bool Add(ReadOnlySpan<byte> json, long recordNumber, long? line = null)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } l && e.BytePositionInLine is { } b ? $" (at byte {b + 1}{(l > 0 ? $" of its line {l + 1}" : "")})" : "";
            return Skip(recordNumber, line, "not valid JSON" + where);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Skip(recordNumber, line, $"a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object");
            }
            JsonSchema inferred;
            try
            {
                inferred = _generator.Generate(Encoding.UTF8.GetString(json));
            }
            catch (Newtonsoft.Json.JsonException e)
            {
                return Skip(recordNumber, line, "its schema could not be inferred (" + e.Message + ")");
            }
            _records++;
            Observe(root, inferred, Root, _records);
            return true;
        }
    }

    private bool Skip(long record, long? line, string reason)
    {
        _skipped.Add(new SkippedRecord(record, line, reason));
        return false;
    }

    private void Observe(JsonElement value, JsonSchema? inferred, Observed node, long record)
    {
        var schema = inferred?.ActualSchema;
        var kind = KindOf(value, schema);
        node.Seen(record, kind, kind == JsonKind.Object ? "{…}" : kind == JsonKind.Array ? "[…]" : value.GetRawText());
        switch (kind)
        {
            case JsonKind.String:
            {
                var text = value.GetString()!;
                var bytes = Encoding.UTF8.GetBytes(text);
                node.SeenString(
                    Utf8Values.TryParseUuid(bytes, out _),
                    Utf8Values.TryParseTimestamp(bytes, out _),
                    Utf8Values.TryParseDate(bytes, out _),
                    text);
                break;
            }
            case JsonKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    JsonSchemaProperty? child = null;
                    schema?.ActualProperties.TryGetValue(property.Name, out child);
                    Observe(property.Value, child, node.Property(property.Name), record);
                }
                break;
            case JsonKind.Array:
                var items = node.Elements();
                foreach (var element in value.EnumerateArray())
                {
                    Observe(element, schema?.Item, items, record);
                }
                break;
        }
    }

    private JsonKind KindOf(JsonElement value, JsonSchema? inferred)
    {
        var actual = value.ValueKind switch
        {
            JsonValueKind.String => JsonKind.String,
            JsonValueKind.Number => value.TryGetInt64(out _) ? JsonKind.Integer : JsonKind.Number,
            JsonValueKind.True or JsonValueKind.False => JsonKind.Boolean,
            JsonValueKind.Object => JsonKind.Object,
            JsonValueKind.Array => JsonKind.Array,
            _ => JsonKind.Null,
        };
        if (inferred is null)
        {
            return actual;
        }
        var said = inferred.Type switch
        {
            JsonObjectType.String => JsonKind.String,
            JsonObjectType.Integer => JsonKind.Integer,
            JsonObjectType.Number => JsonKind.Number,
            JsonObjectType.Boolean => JsonKind.Boolean,
            JsonObjectType.Object => JsonKind.Object,
            JsonObjectType.Array => JsonKind.Array,
            _ => JsonKind.Null,
        };
        if (said != actual)
        {
            TypesCorrected++;
        }
        return actual;
    }
}
