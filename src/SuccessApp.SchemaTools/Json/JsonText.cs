using System.Text;
using System.Text.Json;

namespace SuccessApp.SchemaTools.Json;

/// <summary>
/// A JSON value of a schema file with the byte range it occupies, so that an edit can be made in the file's own
/// text instead of re-serialising (and re-formatting) what a person wrote.
/// </summary>
internal sealed class JsonAt
{
    public JsonAt(JsonValueKind kind, int start)
    {
        Kind = kind;
        Start = start;
    }

    public JsonValueKind Kind { get; }

    /// <summary>Offset of the value's first byte in the file.</summary>
    public int Start { get; }

    /// <summary>Offset just past the value's last byte (the closing brace of an object).</summary>
    public int End { get; set; }

    /// <summary>A string's value.</summary>
    public string? Text { get; init; }

    public List<JsonMemberAt> Members { get; } = [];

    public List<JsonAt> Items { get; } = [];

    /// <summary>The first member of that name (an object), or null.</summary>
    public JsonAt? this[string name] => Members.Find(m => m.Name == name)?.Value;

    /// <summary>The value's strings: one for a string, each string of an array, none otherwise.</summary>
    public IEnumerable<string> Strings() => Kind switch
    {
        JsonValueKind.String => [Text!],
        JsonValueKind.Array => Items.Where(i => i.Kind == JsonValueKind.String).Select(i => i.Text!),
        _ => [],
    };
}

internal sealed record JsonMemberAt(string Name, int NameStart, JsonAt Value);

/// <summary>A schema file's bytes, its parsed values and a way from offsets to lines.</summary>
internal sealed class JsonTextFile
{
    private readonly int[] _lineStarts;

    private JsonTextFile(string path, string displayPath, byte[] bytes, JsonAt root)
    {
        Path = path;
        DisplayPath = displayPath;
        Bytes = bytes;
        Root = root;
        var starts = new List<int> { 0 };
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }
        _lineStarts = [.. starts];
        NewLine = bytes.AsSpan().IndexOf("\r\n"u8) >= 0 ? "\r\n" : "\n";
    }

    public string Path { get; }

    /// <summary>The path as messages and diffs show it, e.g. <c>schemas/deals.schema.json</c>.</summary>
    public string DisplayPath { get; }

    public byte[] Bytes { get; }

    public JsonAt Root { get; }

    /// <summary>The file's line break, kept in what is inserted.</summary>
    public string NewLine { get; }

    /// <summary>Reads a file the way the generator does: comments skipped, trailing commas accepted.</summary>
    /// <exception cref="SchemaFileException">The file is not JSON; the message has its line and column.</exception>
    public static JsonTextFile Read(string path, string displayPath)
    {
        var bytes = File.ReadAllBytes(path);
        return Parse(bytes, path, displayPath);
    }

    public static JsonTextFile Parse(byte[] bytes, string path, string displayPath)
    {
        // A byte-order mark is kept in the bytes (and so in the proposed file) but not given to the reader.
        var skip = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        var reader = new Utf8JsonReader(bytes.AsSpan(skip), new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            MaxDepth = 256,
        });
        try
        {
            if (!reader.Read())
            {
                throw new SchemaFileException(displayPath, 1, 1, "the file is empty");
            }
            var root = ReadValue(ref reader, skip);
            if (reader.Read())
            {
                var (line, column) = LineAndColumn(bytes, (int)reader.TokenStartIndex + skip);
                throw new SchemaFileException(displayPath, line, column, "there is more after the end of the schema object");
            }
            return new JsonTextFile(path, displayPath, bytes, root);
        }
        catch (JsonException e)
        {
            var message = e.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            message = cut > 0 ? message[..cut] : message;
            throw new SchemaFileException(displayPath, (int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1, "not valid JSON: " + message.TrimEnd('.'));
        }
    }

    /// <summary>1-based line and column of a byte offset.</summary>
    public (int Line, int Column) Position(int offset)
    {
        var index = Array.BinarySearch(_lineStarts, offset);
        var line = index >= 0 ? index : ~index - 1;
        return (line + 1, offset - _lineStarts[line] + 1);
    }

    /// <summary>The leading spaces or tabs of the line that holds <paramref name="offset"/>.</summary>
    public string IndentAt(int offset)
    {
        var start = _lineStarts[Position(offset).Line - 1];
        var end = start;
        while (end < Bytes.Length && Bytes[end] is (byte)' ' or (byte)'\t')
        {
            end++;
        }
        return Encoding.UTF8.GetString(Bytes, start, end - start);
    }

    /// <summary>True when only spaces and tabs stand before <paramref name="offset"/> on its line.</summary>
    public bool StartsLine(int offset)
    {
        var start = _lineStarts[Position(offset).Line - 1];
        return Bytes.AsSpan(start, offset - start).IndexOfAnyExcept((byte)' ', (byte)'\t') < 0;
    }

    /// <summary>One level of indentation as the file writes it: a tab, or the smallest step between indented lines.</summary>
    public string IndentUnit()
    {
        var smallest = int.MaxValue;
        foreach (var start in _lineStarts)
        {
            var i = start;
            while (i < Bytes.Length && Bytes[i] == ' ')
            {
                i++;
            }
            if (i < Bytes.Length && Bytes[i] == '\t' && i == start)
            {
                return "\t";
            }
            if (i > start && i < Bytes.Length && Bytes[i] is not (byte)'\n' and not (byte)'\r')
            {
                smallest = Math.Min(smallest, i - start);
            }
        }
        return new string(' ', smallest == int.MaxValue ? 2 : smallest);
    }

    private static (int Line, int Column) LineAndColumn(byte[] bytes, int offset)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset && i < bytes.Length; i++)
        {
            if (bytes[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }
        return (line, offset - lineStart + 1);
    }

    private static JsonAt ReadValue(ref Utf8JsonReader reader, int shift)
    {
        var start = (int)reader.TokenStartIndex + shift;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
            {
                var value = new JsonAt(JsonValueKind.Object, start);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var nameStart = (int)reader.TokenStartIndex + shift;
                    var name = reader.GetString()!;
                    reader.Read();
                    value.Members.Add(new JsonMemberAt(name, nameStart, ReadValue(ref reader, shift)));
                }
                value.End = (int)reader.BytesConsumed + shift;
                return value;
            }
            case JsonTokenType.StartArray:
            {
                var value = new JsonAt(JsonValueKind.Array, start);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    value.Items.Add(ReadValue(ref reader, shift));
                }
                value.End = (int)reader.BytesConsumed + shift;
                return value;
            }
            case JsonTokenType.String:
                return new JsonAt(JsonValueKind.String, start) { Text = reader.GetString(), End = (int)reader.BytesConsumed + shift };
            default:
            {
                var kind = reader.TokenType switch
                {
                    JsonTokenType.Number => JsonValueKind.Number,
                    JsonTokenType.True => JsonValueKind.True,
                    JsonTokenType.False => JsonValueKind.False,
                    _ => JsonValueKind.Null,
                };
                return new JsonAt(kind, start) { End = (int)reader.BytesConsumed + shift };
            }
        }
    }
}

/// <summary>A schema file that cannot be read or followed; the message starts with <c>file:line:column</c>.</summary>
public sealed class SchemaFileException(string file, int line, int column, string problem)
    : Exception($"{file}:{line}:{column}: {problem}")
{
    public string File { get; } = file;

    public int Line { get; } = line;

    public int Column { get; } = column;
}

/// <summary>What the user asked for cannot be done (unknown entity, missing folder, bad URL); the message says what to do.</summary>
public sealed class SchemaToolException(string message) : Exception(message);
