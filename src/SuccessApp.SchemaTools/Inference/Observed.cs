namespace SuccessApp.SchemaTools.Inference;

/// <summary>The JSON types a value can be seen as; integer and number are told apart as the loader tells them.</summary>
public enum JsonKind
{
    Null,
    String,

    /// <summary>A number that fits bigint (the integer column type).</summary>
    Integer,

    /// <summary>Any other number: a fraction, an exponent, or an integer beyond bigint.</summary>
    Number,
    Boolean,
    Object,
    Array,
}

/// <summary>
/// What the samples showed at one path, over all records: how often a value was there, as which JSON types, whether
/// every string fits a format, and the same for the properties of objects and the elements of arrays seen there.
/// </summary>
public sealed class Observed
{
    private const int ExampleLength = 60;

    private readonly long[] _kinds = new long[7];
    private readonly string?[] _examples = new string?[7];
    private readonly Dictionary<string, Observed> _properties = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private long _lastRecord = -1;

    /// <summary>Values seen here, nulls included (for an array's elements: elements).</summary>
    public long Occurrences { get; private set; }

    /// <summary>Records in which a value was seen here at least once.</summary>
    public long Records { get; private set; }

    public long Uuids { get; private set; }

    public long DateTimes { get; private set; }

    public long Dates { get; private set; }

    public string? FirstNonUuid { get; private set; }

    public string? FirstNonDateTime { get; private set; }

    public string? FirstNonDate { get; private set; }

    /// <summary>The elements of the arrays seen here, merged.</summary>
    public Observed? Items { get; private set; }

    /// <summary>Properties of the objects seen here, in the order they were first seen.</summary>
    public IEnumerable<KeyValuePair<string, Observed>> Properties => _order.Select(name => new KeyValuePair<string, Observed>(name, _properties[name]));

    public long Count(JsonKind kind) => _kinds[(int)kind];

    /// <summary>The first value seen as that type, as JSON text cut to a readable length.</summary>
    public string? Example(JsonKind kind) => _examples[(int)kind];

    /// <summary>Types seen other than null, in <see cref="JsonKind"/> order.</summary>
    public IReadOnlyList<JsonKind> Kinds => [.. Enum.GetValues<JsonKind>().Where(k => k != JsonKind.Null && Count(k) > 0)];

    public Observed Property(string name)
    {
        if (!_properties.TryGetValue(name, out var child))
        {
            child = new Observed();
            _properties.Add(name, child);
            _order.Add(name);
        }
        return child;
    }

    public Observed Elements() => Items ??= new Observed();

    internal void Seen(long record, JsonKind kind, string example)
    {
        Occurrences++;
        if (record != _lastRecord)
        {
            _lastRecord = record;
            Records++;
        }
        _kinds[(int)kind]++;
        _examples[(int)kind] ??= example.Length > ExampleLength ? example[..ExampleLength] + "…" : example;
    }

    internal void SeenString(bool uuid, bool dateTime, bool date, string text)
    {
        if (uuid)
        {
            Uuids++;
        }
        else
        {
            FirstNonUuid ??= Quote(text);
        }
        if (dateTime)
        {
            DateTimes++;
        }
        else
        {
            FirstNonDateTime ??= Quote(text);
        }
        if (date)
        {
            Dates++;
        }
        else
        {
            FirstNonDate ??= Quote(text);
        }
    }

    /// <summary>Adds what another path saw (two paths whose schemas share one definition).</summary>
    public void MergeFrom(Observed other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Occurrences += other.Occurrences;
        Records += other.Records;
        for (var i = 0; i < _kinds.Length; i++)
        {
            _kinds[i] += other._kinds[i];
            _examples[i] ??= other._examples[i];
        }
        Uuids += other.Uuids;
        DateTimes += other.DateTimes;
        Dates += other.Dates;
        FirstNonUuid ??= other.FirstNonUuid;
        FirstNonDateTime ??= other.FirstNonDateTime;
        FirstNonDate ??= other.FirstNonDate;
        foreach (var (name, child) in other.Properties)
        {
            Property(name).MergeFrom(child);
        }
        if (other.Items is not null)
        {
            Elements().MergeFrom(other.Items);
        }
    }

    internal Observed Copy()
    {
        var copy = new Observed();
        copy.MergeFrom(this);
        return copy;
    }

    private static string Quote(string text)
    {
        var cut = text.Length > ExampleLength ? text[..ExampleLength] + "…" : text;
        return "\"" + cut + "\"";
    }
}
