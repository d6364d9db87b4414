using System.Text;
using System.Text.Json;
using CsCheck;
using SuccessApp.Etl.Sampling;

namespace SuccessApp.Etl.Tests.Fuzzing;

/// <summary>
/// Valid seed-shaped records and the ways real data goes wrong, as CsCheck generators. Mutations work on the bytes
/// (value positions are found once per record), so a case costs microseconds and 100k cases fit a CI run.
/// </summary>
public static class RecordMutations
{
    private static readonly Record[] Valid = [.. Sample(150).Select(Record.Of)];

    private static readonly byte[][] Replacements =
    [
        .. new[]
        {
            "null", "true", "false", "0", "-1", "1e400", "123456789012345678901234567890", "\"\"", "\"x\"",
            "\"f79e74c6-1253-473a-90dc-cb3ff5dddc2f7\"", "\"2024-02-30 25:61:61\"", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00x\"",
            "{}", "[]", "{\"a\":{\"b\":[1,{\"c\":null}]}}", "[[[]]]", "\"" + new string('x', 5000) + "\"", "{\"\\u0000\":1}",
        }.Select(Encoding.UTF8.GetBytes),
    ];

    // Built once: arrays of many scalar elements (some repeated) and deeply nested values.
    private static readonly byte[][] HugeArrays = [.. new[] { 1000, 8000, 20000 }.Select(HugeArray)];
    private static readonly byte[][] DeepValues = [.. new[] { 10, 63, 64, 65, 200 }.Select(Deep)];

    public static string[] ValidLines => [.. Valid.Select(r => Encoding.UTF8.GetString(r.Bytes))];

    /// <summary>One mutated record and what was done to it (shown when a case fails).</summary>
    public static Gen<(string Kind, byte[] Bytes)> Mutated { get; } =
        Gen.Select(Gen.Int[0, Valid.Length - 1], Gen.Int[0, 6], Gen.Int[0, int.MaxValue], (record, kind, seed) => Mutate(Valid[record], kind, new Random(seed)));

    private static (string, byte[]) Mutate(Record record, int kind, Random random)
    {
        var bytes = record.Bytes;
        switch (kind)
        {
            case 0:
            {
                var (start, end) = record.Values[random.Next(record.Values.Length)];
                return ("type swap", Splice(bytes, start, end, Replacements[random.Next(Replacements.Length)]));
            }
            case 1:
                return ("truncated", bytes[..random.Next(0, bytes.Length)]);
            case 2:
            {
                var copy = (byte[])bytes.Clone();
                for (var i = random.Next(1, 8); i > 0; i--)
                {
                    copy[random.Next(copy.Length)] = (byte)random.Next(256);
                }
                return ("random bytes", copy);
            }
            case 3:
            {
                // The same property twice in one object (JSON allows it; the first occurrence must win).
                var name = record.RootNames[random.Next(record.RootNames.Length)];
                return ("duplicate key", AppendProperty(bytes, name, Replacements[random.Next(Replacements.Length)]));
            }
            case 4:
                return ("huge array", AppendProperty(bytes, random.Next(2) == 0 ? "tags" : "territories", HugeArrays[random.Next(HugeArrays.Length)]));
            case 5:
                return ("deep nesting", AppendProperty(bytes, random.Next(2) == 0 ? "deep" : "custom_fields", DeepValues[random.Next(DeepValues.Length)]));
            default:
                return ("valid", bytes);
        }
    }

    private static byte[] Splice(byte[] bytes, int start, int end, byte[] replacement) =>
        [.. bytes.AsSpan(0, start), .. replacement, .. bytes.AsSpan(end)];

    /// <summary>Adds <c>,"name":value</c> before the record's closing brace.</summary>
    private static byte[] AppendProperty(byte[] bytes, string name, byte[] value)
    {
        var close = Array.LastIndexOf(bytes, (byte)'}');
        return [.. bytes.AsSpan(0, close), .. Encoding.UTF8.GetBytes(",\"" + name + "\":"), .. value, (byte)'}'];
    }

    private static byte[] HugeArray(int count)
    {
        var text = new StringBuilder("[");
        for (var i = 0; i < count; i++)
        {
            text.Append(i == 0 ? "" : ",").Append(i % 3 == 0 ? "\"tag\"" : $"\"t{i}\"");
        }
        return Encoding.UTF8.GetBytes(text.Append(']').ToString());
    }

    private static byte[] Deep(int depth)
    {
        var text = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            text.Append(i % 2 == 0 ? "{\"n\":" : "[");
        }
        text.Append('1');
        for (var i = depth - 1; i >= 0; i--)
        {
            text.Append(i % 2 == 0 ? '}' : ']');
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static string[] Sample(int records)
    {
        using var output = new StringWriter();
        new SampleDataGenerator(new SampleOptions { Entity = "deals", Records = records, Seed = 3, Anomalies = true, DuplicateRatio = 0, OlderVersionRatio = 0, NewerVersionRatio = 0 }).Write(output);
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>A record's bytes with the byte ranges of all its values and the names of its top-level properties.</summary>
    private sealed record Record(byte[] Bytes, (int Start, int End)[] Values, string[] RootNames)
    {
        public static Record Of(string line)
        {
            var bytes = Encoding.UTF8.GetBytes(line);
            var values = new List<(int, int)>();
            var names = new List<string>();
            var reader = new Utf8JsonReader(bytes);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.CurrentDepth == 1)
                    {
                        names.Add(reader.GetString()!);
                    }
                    continue;
                }
                if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray || reader.CurrentDepth == 0)
                {
                    continue;
                }
                var start = (int)reader.TokenStartIndex;
                var copy = reader;
                copy.Skip();
                values.Add((start, (int)copy.BytesConsumed));
            }
            return new Record(bytes, [.. values], [.. names]);
        }
    }
}
