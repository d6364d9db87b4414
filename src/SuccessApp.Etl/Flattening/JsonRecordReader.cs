using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace SuccessApp.Etl.Flattening;

/// <summary>
/// The reader the generated flatteners drive: a <see cref="Utf8JsonReader"/> over one record's bytes plus typed value
/// readers that never throw for bad values. A value that does not fit its column becomes NULL and a reject (with its
/// raw JSON text and path); only malformed JSON throws (<see cref="JsonException"/>), which rejects the record whole.
/// Each <c>Read*</c> method is called with the reader on a property name and leaves it on the value's last token.
/// </summary>
public ref struct JsonRecordReader
{
    /// <summary>The underlying reader; generated code matches property names on it directly.</summary>
    public Utf8JsonReader Json;

    private readonly ReadOnlySpan<byte> _record;
    private readonly FlattenContext _context;

    public JsonRecordReader(ReadOnlySpan<byte> record, FlattenContext context, int maxDepth = 64)
    {
        _record = record;
        _context = context;
        Json = new Utf8JsonReader(record, new JsonReaderOptions { MaxDepth = maxDepth, CommentHandling = JsonCommentHandling.Disallow });
    }

    public readonly FlattenContext Context => _context;

    public readonly ReadOnlySpan<byte> Record => _record;

    /// <summary>Start of the current token in the record (for slicing raw values).</summary>
    public readonly int TokenStart => (int)Json.TokenStartIndex;

    /// <summary>Moves to the first token of a record and checks it is an object.</summary>
    public bool BeginRecord() => Json.Read() && Json.TokenType == JsonTokenType.StartObject;

    /// <summary>Reads to the end of the current value and returns its JSON text as received.</summary>
    public ReadOnlySpan<byte> SkipValue()
    {
        var start = (int)Json.TokenStartIndex;
        Json.Skip();
        return _record[start..(int)Json.BytesConsumed];
    }

    /// <summary>Rejects the value under the reader (any type) and skips it.</summary>
    public void RejectValue(string table, ReadOnlySpan<byte> path, string expected, string reason)
    {
        var raw = SkipValue();
        _context.Reject(table, path, raw, expected, reason);
    }

    public Utf8Slice ReadText(string table, ReadOnlySpan<byte> path)
    {
        Json.Read();
        return CurrentText(table, path);
    }

    /// <summary>Like <see cref="ReadText"/>, for the value the reader is already on (an array element).</summary>
    public Utf8Slice CurrentText(string table, ReadOnlySpan<byte> path)
    {
        switch (Json.TokenType)
        {
            case JsonTokenType.String:
                return CopyString(table, path);
            case JsonTokenType.Null:
                return Utf8Slice.Null;
            case JsonTokenType.Number:
            case JsonTokenType.True:
            case JsonTokenType.False:
                // A scalar's JSON text is a faithful text value: keep it rather than lose it.
                return _context.Arena.Append(Json.ValueSpan);
            default:
                RejectValue(table, path, "text", "expected a string, got " + Describe(Json.TokenType));
                return Utf8Slice.Null;
        }
    }

    public Guid? ReadUuid(string table, ReadOnlySpan<byte> path)
    {
        Json.Read();
        return CurrentUuid(table, path);
    }

    /// <summary>Like <see cref="ReadUuid"/>, for the value the reader is already on (an array element).</summary>
    public Guid? CurrentUuid(string table, ReadOnlySpan<byte> path)
    {
        if (Json.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (Json.TokenType == JsonTokenType.String)
        {
            // Ids are almost never escaped: parse them where they are.
            if (!Json.ValueIsEscaped && Utf8Values.TryParseUuid(Json.ValueSpan, out var plain))
            {
                return plain;
            }
            Span<byte> scratch = stackalloc byte[64];
            var length = Json.ValueIsEscaped ? Unescape(scratch) : -1;
            if (length >= 0 && Utf8Values.TryParseUuid(scratch[..length], out var guid))
            {
                return guid;
            }
            _context.Reject(table, path, RawToken(), "uuid", "not a valid UUID");
            return null;
        }
        RejectValue(table, path, "uuid", "expected a UUID string, got " + Describe(Json.TokenType));
        return null;
    }

    public DateTime? ReadTimestamp(string table, ReadOnlySpan<byte> path)
    {
        Json.Read();
        return CurrentTimestamp(table, path);
    }

    /// <summary>Like <see cref="ReadTimestamp"/>, for the value the reader is already on (an array element).</summary>
    public DateTime? CurrentTimestamp(string table, ReadOnlySpan<byte> path)
    {
        if (Json.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (Json.TokenType == JsonTokenType.String)
        {
            Span<byte> scratch = stackalloc byte[64];
            var length = Unescape(scratch);
            if (length >= 0 && Utf8Values.TryParseTimestamp(scratch[..length], out var time))
            {
                return time;
            }
            _context.Reject(table, path, RawToken(), "timestamptz", "not a timestamp (expected yyyy-MM-dd HH:mm:ss or RFC 3339)");
            return null;
        }
        RejectValue(table, path, "timestamptz", "expected a timestamp string, got " + Describe(Json.TokenType));
        return null;
    }

    public DateOnly? ReadDate(string table, ReadOnlySpan<byte> path)
    {
        Json.Read();
        return CurrentDate(table, path);
    }

    /// <summary>Like <see cref="ReadDate"/>, for the value the reader is already on (an array element).</summary>
    public DateOnly? CurrentDate(string table, ReadOnlySpan<byte> path)
    {
        if (Json.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (Json.TokenType == JsonTokenType.String)
        {
            Span<byte> scratch = stackalloc byte[32];
            var length = Unescape(scratch);
            if (length >= 0 && Utf8Values.TryParseDate(scratch[..length], out var date))
            {
                return date;
            }
            _context.Reject(table, path, RawToken(), "date", "not a date (expected yyyy-MM-dd)");
            return null;
        }
        RejectValue(table, path, "date", "expected a date string, got " + Describe(Json.TokenType));
        return null;
    }

    public long? ReadInt64(string table, ReadOnlySpan<byte> path)
    {
        Json.Read();
        return CurrentInt64(table, path);
    }

    /// <summary>Like <see cref="ReadInt64"/>, for the value the reader is already on (an array element).</summary>
    public long? CurrentInt64(string table, ReadOnlySpan<byte> path)
    {
        switch (Json.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.Number when Json.TryGetInt64(out var value):
                return value;
            case JsonTokenType.Number:
                _context.Reject(table, path, RawToken(), "bigint", "not an integer in the bigint range");
                return null;
            default:
                RejectValue(table, path, "bigint", "expected an integer, got " + Describe(Json.TokenType));
                return null;
        }
    }

    /// <summary>Numbers are kept as their exact JSON text and encoded to PostgreSQL numeric when written.</summary>
    public Utf8Slice ReadNumeric(string table, ReadOnlySpan<byte> path)
    {
        Json.Read();
        return CurrentNumeric(table, path);
    }

    /// <summary>Like <see cref="ReadNumeric"/>, for the value the reader is already on (an array element).</summary>
    public Utf8Slice CurrentNumeric(string table, ReadOnlySpan<byte> path)
    {
        switch (Json.TokenType)
        {
            case JsonTokenType.Null:
                return Utf8Slice.Null;
            case JsonTokenType.Number when Postgres.PgBinaryCopyWriter.FitsNumeric(Json.ValueSpan):
                return _context.Arena.Append(Json.ValueSpan);
            case JsonTokenType.Number:
                _context.Reject(table, path, RawToken(), "numeric", "number is outside PostgreSQL's numeric range");
                return Utf8Slice.Null;
            default:
                RejectValue(table, path, "numeric", "expected a number, got " + Describe(Json.TokenType));
                return Utf8Slice.Null;
        }
    }

    public bool? ReadBoolean(string table, ReadOnlySpan<byte> path)
    {
        Json.Read();
        return CurrentBoolean(table, path);
    }

    /// <summary>Like <see cref="ReadBoolean"/>, for the value the reader is already on (an array element).</summary>
    public bool? CurrentBoolean(string table, ReadOnlySpan<byte> path)
    {
        switch (Json.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            default:
                RejectValue(table, path, "boolean", "expected true or false, got " + Describe(Json.TokenType));
                return null;
        }
    }

    /// <summary>Any JSON value, kept as received for a jsonb column; JSON null is SQL NULL.</summary>
    public Utf8Slice ReadJson(string table, ReadOnlySpan<byte> path)
    {
        Json.Read();
        return CurrentJson(table, path);
    }

    /// <summary>Like <see cref="ReadJson"/>, for the value the reader is already on (an array element).</summary>
    public Utf8Slice CurrentJson(string table, ReadOnlySpan<byte> path)
    {
        if (Json.TokenType == JsonTokenType.Null)
        {
            return Utf8Slice.Null;
        }
        var raw = SkipValue();
        if (!JsonbText.IsStorable(raw))
        {
            // jsonb refuses \u0000 and unpaired surrogates: keep the value in rejects instead of failing the COPY.
            _context.Reject(table, path, raw, "jsonb", "is not valid UTF-8, or holds \\u0000 or an unpaired surrogate escape, which PostgreSQL jsonb cannot store");
            return Utf8Slice.Null;
        }
        return _context.Arena.Append(raw);
    }

    /// <summary>A property the schema does not declare: kept in the row's <c>_extra</c> and counted.</summary>
    public void CaptureUnknown(string table, int depth, ReadOnlySpan<byte> prefix)
    {
        var name = Json.ValueSpan;
        Json.Read();
        var type = Json.TokenType;
        var raw = SkipValue();
        if (!JsonbText.IsStorable(raw) || !JsonbText.IsStorable(name))
        {
            _context.Reject(table, "."u8, raw, "jsonb", "unknown field is not valid UTF-8, or holds \\u0000 or an unpaired surrogate escape, which PostgreSQL jsonb cannot store");
            return;
        }
        _context.Extra(depth).Add(prefix, name, raw);
        _context.Drift.Record(table, prefix, name, type);
    }

    /// <summary>A property seen twice in one object: the first occurrence is kept, the second goes to rejects.</summary>
    public void RejectDuplicateProperty(string table, ReadOnlySpan<byte> path, string expected) =>
        RejectValue(table, path, expected, "property appears more than once in the object; the first occurrence was loaded");

    public static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };

    private ReadOnlySpan<byte> RawToken() => _record[(int)Json.TokenStartIndex..(int)Json.BytesConsumed];

    /// <summary>Copies the current string's unescaped bytes into <paramref name="scratch"/>; -1 if they do not fit.</summary>
    private int Unescape(scoped Span<byte> scratch)
    {
        if (Json.ValueSpan.Length > scratch.Length)
        {
            return -1;
        }
        if (!Json.ValueIsEscaped)
        {
            Json.ValueSpan.CopyTo(scratch);
            return Json.ValueSpan.Length;
        }
        return TryCopyString(scratch, out var written) ? written : -1;
    }

    /// <summary>Unescapes the current string; false for an escape that is not valid Unicode (a lone <c>\uD800</c>).</summary>
    private bool TryCopyString(scoped Span<byte> target, out int written)
    {
        try
        {
            written = Json.CopyString(target);
            return true;
        }
        catch (InvalidOperationException)
        {
            // The reader accepts lone surrogate escapes as JSON but cannot turn them into UTF-8.
            written = 0;
            return false;
        }
    }

    private Utf8Slice CopyString(string table, ReadOnlySpan<byte> path)
    {
        var arena = _context.Arena;
        var source = Json.ValueSpan;
        var target = arena.Reserve(source.Length);
        int length;
        if (Json.ValueIsEscaped)
        {
            if (!TryCopyString(target, out length))
            {
                _context.Reject(table, path, RawToken(), "text", "the string holds an escape that is not valid Unicode (an unpaired surrogate); loaded as NULL");
                return Utf8Slice.Null;
            }
        }
        else
        {
            source.CopyTo(target);
            length = source.Length;
        }
        var text = target[..length];
        if (text.IndexOf((byte)0) >= 0)
        {
            length = StripNul(text);
            text = target[..length];
        }
        if (!Utf8.IsValid(text))
        {
            return ReplaceInvalidUtf8(table, path, text);
        }
        return arena.Commit(length);
    }

    private int StripNul(Span<byte> text)
    {
        var kept = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == 0)
            {
                _context.NulCharactersStripped++;
                continue;
            }
            text[kept++] = text[i];
        }
        return kept;
    }

    // Rare path: allocation is acceptable here, losing the original is not.
    private Utf8Slice ReplaceInvalidUtf8(string table, ReadOnlySpan<byte> path, ReadOnlySpan<byte> text)
    {
        var original = text.ToArray();
        var repaired = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(original));
        _context.InvalidUtf8Replaced++;
        _context.Reject(table, path, RawToken(), "text", "invalid UTF-8; loaded with the invalid bytes replaced by U+FFFD");
        return _context.Arena.Append(repaired);
    }
}
