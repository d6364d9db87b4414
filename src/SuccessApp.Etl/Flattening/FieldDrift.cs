using System.IO.Hashing;
using System.Text;
using System.Text.Json;

namespace SuccessApp.Etl.Flattening;

/// <summary>A property the schema does not know yet, as seen in the data: where, how often, as what JSON types.</summary>
public sealed class DriftedField(string table, string path)
{
    public string Table { get; } = table;

    /// <summary>Path relative to the table's row, e.g. <c>association.region</c>.</summary>
    public string Path { get; } = path;

    public long Count { get; internal set; }

    internal int TypeMask { get; set; }

    internal void MergeTypes(IEnumerable<DriftedField> others)
    {
        foreach (var other in others)
        {
            TypeMask |= other.TypeMask;
        }
    }

    public IReadOnlyList<string> JsonTypes =>
        [.. Enum.GetValues<JsonTokenType>().Where(t => (TypeMask & (1 << (int)t)) != 0).Select(Describe)];

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "object",
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };
}

/// <summary>
/// Counts unknown fields per table and path. The lookup is by a hash of the bytes, so a field already seen costs no
/// allocation; a new field allocates its entry once.
/// </summary>
public sealed class FieldDriftTracker
{
    private readonly Dictionary<ulong, DriftedField> _fields = [];

    public IReadOnlyCollection<DriftedField> Fields => _fields.Values;

    private byte[] _scratch = new byte[256];

    public void Record(string table, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> escapedName, JsonTokenType type)
    {
        var length = prefix.Length + escapedName.Length;
        if (_scratch.Length < length)
        {
            _scratch = new byte[length * 2];
        }
        prefix.CopyTo(_scratch);
        escapedName.CopyTo(_scratch.AsSpan(prefix.Length));
        // The table name is a constant of the generated code: its hash code is stable for the process.
        var key = XxHash3.HashToUInt64(_scratch.AsSpan(0, length), (long)(uint)table.GetHashCode());
        if (!_fields.TryGetValue(key, out var field))
        {
            field = new DriftedField(table, Encoding.UTF8.GetString(_scratch, 0, length));
            _fields.Add(key, field);
        }
        field.Count++;
        field.TypeMask |= 1 << (int)(type == JsonTokenType.False ? JsonTokenType.True : type);
    }

    public void Clear() => _fields.Clear();
}
