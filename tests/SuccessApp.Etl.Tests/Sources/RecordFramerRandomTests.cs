using System.Text;
using System.Text.Json;
using SuccessApp.Etl.Sources;
using static SuccessApp.Etl.Tests.Sources.Framing;

namespace SuccessApp.Etl.Tests.Sources;

/// <summary>
/// Seeded random documents (deterministic, so a failure reproduces): generated records written as NDJSON, an
/// array and an envelope must frame to exactly what System.Text.Json finds, for random buffer and read sizes.
/// </summary>
public sealed class RecordFramerRandomTests
{
    private const string Tricky = "\"\\{}[],: \u00e9\u2713\ud83d\ude42abc";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void RandomRecordsFrameLikeSystemTextJson(int seed)
    {
        var rng = new Random(seed);
        var records = Enumerable.Range(0, 60).Select(_ => RandomValue(rng, 0, topLevel: true)).ToList();
        var ndjson = Utf8(string.Join(rng.Next(2) == 0 ? "\n" : "\r\n\n", records) + "\n");
        var array = Utf8("[" + string.Join(rng.Next(2) == 0 ? "," : " ,\n ", records) + "]");
        var pages = Utf8("{\"meta\":" + RandomValue(rng, 0, topLevel: true) + ",\"data\":" + Encoding.UTF8.GetString(array) + ",\"next\":" + RandomValue(rng, 0, topLevel: true) + "}");
        using (var doc = JsonDocument.Parse(array))
        {
            // The generator's records, as System.Text.Json reads them back.
            Assert.Equal(records, doc.RootElement.EnumerateArray().Select(e => e.GetRawText()));
        }

        foreach (var (input, format) in new[] { (ndjson, RecordFormat.Ndjson), (array, RecordFormat.JsonArray), (pages, RecordFormat.Pages), (ndjson, RecordFormat.Auto), (array, RecordFormat.Auto), (pages, RecordFormat.Auto) })
        {
            for (var trial = 0; trial < 20; trial++)
            {
                var options = new RecordFramerOptions { Format = format, InitialBufferBytes = rng.Next(1, 300) };
                var frames = ReadAll(ChunkedStream.Pieces(input, rng.Next(1, 500)), options);
                Assert.Equal(records, frames.Select(f => f.Text));
                Assert.All(frames, f => Assert.Equal(RecordFrameStatus.Ok, f.Status));
                AssertPositionsMatch(input, frames);
            }
        }
    }

    private static string RandomValue(Random rng, int depth, bool topLevel = false)
    {
        var kind = topLevel ? 0 : rng.Next(depth > 4 ? 2 : 4) switch { 0 => 2, 1 => 3, var k => k - 2 };
        var sb = new StringBuilder();
        switch (kind)
        {
            case 0:
                sb.Append('{');
                var members = rng.Next(topLevel ? 1 : 0, 6);
                for (var i = 0; i < members; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }
                    sb.Append(RandomString(rng)).Append(':').Append(RandomValue(rng, depth + 1));
                }
                sb.Append('}');
                break;
            case 1:
                sb.Append('[');
                var items = rng.Next(0, 5);
                for (var i = 0; i < items; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }
                    sb.Append(RandomValue(rng, depth + 1));
                }
                sb.Append(']');
                break;
            case 2:
                sb.Append(RandomString(rng));
                break;
            default:
                sb.Append(rng.Next(5) switch { 0 => "true", 1 => "false", 2 => "null", 3 => "-12.5e+3", _ => rng.Next().ToString(System.Globalization.CultureInfo.InvariantCulture) });
                break;
        }
        return sb.ToString();
    }

    // Strings full of the bytes a framer could mistake for structure, JSON-escaped where needed.
    private static string RandomString(Random rng)
    {
        var length = rng.Next(0, rng.Next(2) == 0 ? 8 : 60);
        var raw = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            var c = Tricky[rng.Next(Tricky.Length)];
            if (char.IsHighSurrogate(c) || char.IsLowSurrogate(c))
            {
                raw.Append("\ud83d\ude42");
                continue;
            }
            raw.Append(c);
        }
        var text = raw.ToString();
        var escaped = new StringBuilder("\"");
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '"' => "\\\"",
                '\\' => rng.Next(2) == 0 ? "\\\\" : "\\u005c",
                _ => c.ToString(),
            });
        }
        return escaped.Append('"').ToString();
    }
}
