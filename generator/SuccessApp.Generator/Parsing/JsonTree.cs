using System.Collections.Generic;
using System.Text;
using System.Text.Json;

namespace SuccessApp.Generator.Parsing;

internal enum JsonKind
{
    Object,
    Array,
    String,
    Number,
    True,
    False,
    Null,
}

/// <summary>A JSON value with its byte offset in the file: just enough to read a schema and point at its lines.</summary>
internal sealed class JsonValue
{
    public JsonValue(JsonKind kind, int offset, int length)
    {
        Kind = kind;
        Offset = offset;
        Length = length;
    }

    public JsonKind Kind { get; }

    public int Offset { get; }

    public int Length { get; set; }

    public string? Text { get; set; }

    public List<JsonMember> Members { get; } = new();

    public List<JsonValue> Items { get; } = new();

    public JsonValue? this[string name]
    {
        get
        {
            foreach (var member in Members)
            {
                if (member.Name == name)
                {
                    return member.Value;
                }
            }
            return null;
        }
    }

    public JsonMember? Member(string name)
    {
        foreach (var member in Members)
        {
            if (member.Name == name)
            {
                return member;
            }
        }
        return null;
    }
}

internal sealed class JsonMember
{
    public JsonMember(string name, int offset, int length, JsonValue value)
    {
        Name = name;
        Offset = offset;
        Length = length;
        Value = value;
    }

    public string Name { get; }

    public int Offset { get; }

    public int Length { get; }

    public JsonValue Value { get; }
}

/// <summary>Reads a whole schema file into <see cref="JsonValue"/>s with <see cref="Utf8JsonReader"/>; throws <see cref="JsonException"/> with line and position on bad JSON.</summary>
internal static class JsonTree
{
    public static JsonValue Parse(byte[] utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            MaxDepth = 256,
        });
        if (!reader.Read())
        {
            throw new JsonException("The file is empty.", null, 0, 0);
        }
        var root = ReadValue(ref reader);
        if (reader.Read())
        {
            throw new JsonException("Unexpected content after the end of the schema object.", null, null, null);
        }
        return root;
    }

    private static JsonValue ReadValue(ref Utf8JsonReader reader)
    {
        var start = (int)reader.TokenStartIndex;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
            {
                var value = new JsonValue(JsonKind.Object, start, 1);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var nameStart = (int)reader.TokenStartIndex;
                    var name = reader.GetString()!;
                    var nameLength = (int)reader.BytesConsumed - nameStart;
                    reader.Read();
                    value.Members.Add(new JsonMember(name, nameStart, nameLength, ReadValue(ref reader)));
                }
                value.Length = (int)reader.BytesConsumed - start;
                return value;
            }
            case JsonTokenType.StartArray:
            {
                var value = new JsonValue(JsonKind.Array, start, 1);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    value.Items.Add(ReadValue(ref reader));
                }
                value.Length = (int)reader.BytesConsumed - start;
                return value;
            }
            case JsonTokenType.String:
                return new JsonValue(JsonKind.String, start, (int)reader.BytesConsumed - start) { Text = reader.GetString() };
            case JsonTokenType.Number:
                return new JsonValue(JsonKind.Number, start, (int)reader.BytesConsumed - start)
                {
                    Text = Encoding.UTF8.GetString(reader.ValueSpan.ToArray()),
                };
            case JsonTokenType.True:
                return new JsonValue(JsonKind.True, start, 4);
            case JsonTokenType.False:
                return new JsonValue(JsonKind.False, start, 5);
            default:
                return new JsonValue(JsonKind.Null, start, 4);
        }
    }
}

/// <summary>Compact JSON text of a value: the same for any formatting of the same content.</summary>
internal static class JsonWriter
{
    public static string Compact(JsonValue value)
    {
        var builder = new StringBuilder();
        Write(builder, value);
        return builder.ToString();
    }

    private static void Write(StringBuilder builder, JsonValue value)
    {
        switch (value.Kind)
        {
            case JsonKind.Object:
                builder.Append('{');
                for (var i = 0; i < value.Members.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(',');
                    }
                    String(builder, value.Members[i].Name);
                    builder.Append(':');
                    Write(builder, value.Members[i].Value);
                }
                builder.Append('}');
                break;
            case JsonKind.Array:
                builder.Append('[');
                for (var i = 0; i < value.Items.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(',');
                    }
                    Write(builder, value.Items[i]);
                }
                builder.Append(']');
                break;
            case JsonKind.String:
                String(builder, value.Text!);
                break;
            case JsonKind.Number:
                builder.Append(value.Text);
                break;
            case JsonKind.True:
                builder.Append("true");
                break;
            case JsonKind.False:
                builder.Append("false");
                break;
            default:
                builder.Append("null");
                break;
        }
    }

    private static void String(StringBuilder builder, string text) =>
        builder.Append('"').Append(Emit.Names.JsonEscape(text)).Append('"');
}

/// <summary>Turns byte offsets into the line and character column an editor shows.</summary>
internal sealed class LineMap
{
    private readonly byte[] _bytes;
    private readonly List<int> _lineStarts = new() { 0 };

    public LineMap(byte[] bytes)
    {
        _bytes = bytes;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                _lineStarts.Add(i + 1);
            }
        }
    }

    public Model.SourcePos Position(int byteOffset, int byteLength)
    {
        var line = _lineStarts.BinarySearch(byteOffset);
        if (line < 0)
        {
            line = ~line - 1;
        }
        var lineStart = _lineStarts[line];
        var column = CharCount(lineStart, byteOffset);
        var charOffset = CharCount(0, byteOffset);
        var length = CharCount(byteOffset, System.Math.Min(_bytes.Length, byteOffset + byteLength));
        return new Model.SourcePos(charOffset, line, column, length);
    }

    /// <summary>Position from the reader's 0-based line and byte-in-line, as <see cref="JsonException"/> reports them.</summary>
    public Model.SourcePos Position(long? line, long? bytePositionInLine)
    {
        var l = (int)System.Math.Min(line ?? 0, _lineStarts.Count - 1);
        var offset = System.Math.Min(_bytes.Length, _lineStarts[l] + (int)(bytePositionInLine ?? 0));
        return Position(offset, 1);
    }

    private int CharCount(int from, int to)
    {
        var count = 0;
        for (var i = from; i < to; i++)
        {
            var b = _bytes[i];
            if ((b & 0xC0) != 0x80)
            {
                // A 4-byte sequence is a surrogate pair: two UTF-16 characters.
                count += b >= 0xF0 ? 2 : 1;
            }
        }
        return count;
    }
}
