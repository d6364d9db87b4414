using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SuccessApp.Etl.Sampling;

namespace SuccessApp.Etl.Tests.Sampling;

public sealed class SampleDataGeneratorTests
{
    private static readonly SchemaChecker Checker = SchemaChecker.ForRepository();

    public static TheoryData<string, bool> EntitiesAndAnomalies => new()
    {
        { SampleOptions.Deals, false },
        { SampleOptions.Deals, true },
        { SampleOptions.Accounts, false },
        { SampleOptions.Accounts, true },
    };

    [Theory]
    [MemberData(nameof(EntitiesAndAnomalies))]
    public void Same_options_give_byte_identical_output(string entity, bool anomalies)
    {
        var options = new SampleOptions { Entity = entity, Records = 5_000, Seed = 123, Anomalies = anomalies };

        var first = Generate(options, out var firstStats);
        var second = Generate(options, out var secondStats);
        // The same instance twice: Write keeps no state between calls.
        var generator = new SampleDataGenerator(options);
        using var again = new MemoryStream();
        generator.Write(again);
        generator.Write(again);

        Assert.Equal(SHA256.HashData(first), SHA256.HashData(second));
        Assert.Equal(firstStats, secondStats);
        Assert.Equal(first.Concat(first).ToArray(), again.ToArray());
        Assert.Equal(first.LongLength, firstStats.Bytes);
    }

    [Fact]
    public void Another_seed_gives_other_records()
    {
        var a = Generate(new SampleOptions { Records = 200, Seed = 1 }, out _);
        var b = Generate(new SampleOptions { Records = 200, Seed = 2 }, out _);

        Assert.NotEqual(SHA256.HashData(a), SHA256.HashData(b));
        Assert.Empty(Ids(a).Intersect(Ids(b)));
    }

    [Fact]
    public void Text_writer_output_is_the_same_text_as_the_stream_bytes()
    {
        var options = new SampleOptions { Entity = SampleOptions.Accounts, Records = 3_000, Anomalies = true };
        var bytes = Generate(options, out var streamStats);
        using var text = new StringWriter();

        var textStats = new SampleDataGenerator(options).Write(text);

        Assert.Equal(Encoding.UTF8.GetString(bytes), text.ToString());
        Assert.Equal(streamStats, textStats);
    }

    [Theory]
    [MemberData(nameof(EntitiesAndAnomalies))]
    public void Ratios_are_as_configured_and_the_output_agrees_with_the_stats(string entity, bool anomalies)
    {
        var options = new SampleOptions { Entity = entity, Records = 40_000, Seed = 9, Anomalies = anomalies };
        var bytes = Generate(options, out var stats);

        var parsed = SampleAnalysis.Run(bytes, entity, Checker);

        Assert.Empty(parsed.Problems.Take(20));
        Assert.Equal(40_000, stats.Lines);
        Assert.Equal(stats.Lines, stats.UniqueKeys + stats.ExactDuplicates + stats.OlderVersions + stats.NewerVersions);
        Assert.InRange(Share(stats.ExactDuplicates, stats), 0.285, 0.315);
        Assert.InRange(Share(stats.OlderVersions, stats), 0.09, 0.11);
        Assert.InRange(Share(stats.NewerVersions, stats), 0.043, 0.057);

        Assert.Equal(stats.Lines, parsed.Lines);
        Assert.Equal(stats.ExactDuplicates, parsed.ExactDuplicates);
        Assert.Equal(stats.UniqueKeys, parsed.UniqueKeys);
        Assert.Equal(stats.OlderVersions, parsed.OlderVersions);
        Assert.Equal(stats.NewerVersions, parsed.NewerVersions);
        Assert.Equal(stats.ExpectedDistinctFinalRecords, Ids(bytes).Count);
        Assert.Equal(stats.LinesWithEmptyTerritories, parsed.EmptyTerritories);
        Assert.Equal(stats.LinesWithMissingTags, parsed.MissingTags);
        Assert.Equal(stats.LinesWithNullTags, parsed.NullTags);
        Assert.Equal(stats.LinesWithUnknownField, parsed.UnknownField);
        Assert.Equal(stats.LinesWithInvalidUuid, parsed.InvalidUuid);
        Assert.Equal(stats.LinesWithUnparsableTimestamp, parsed.UnparsableTimestamp);
        Assert.Equal(stats.LinesWithMissingArray, parsed.MissingArray);
        Assert.Equal(stats.LinesWithEmptyArray, parsed.EmptyArray);
        Assert.True(stats.NewerVersionsWithEmptiedTerritories > 0);
        if (!anomalies)
        {
            // With anomalies on, a key's first line may itself lack territories, so only a lower bound holds there.
            Assert.Equal(stats.NewerVersionsWithEmptiedTerritories, parsed.NewerWithEmptiedTerritories);
        }
    }

    [Theory]
    [InlineData(0.0, 0.0, 0.0)]
    [InlineData(0.5, 0.0, 0.0)]
    [InlineData(0.0, 0.3, 0.3)]
    [InlineData(0.2, 0.5, 0.3)]
    public void Other_ratios_are_honoured(double duplicates, double older, double newer)
    {
        var options = new SampleOptions
        {
            Records = 10_000, DuplicateRatio = duplicates, OlderVersionRatio = older, NewerVersionRatio = newer,
        };
        var bytes = Generate(options, out var stats);
        var parsed = SampleAnalysis.Run(bytes, SampleOptions.Deals, Checker);

        Assert.Empty(parsed.Problems.Take(20));
        Assert.InRange(Share(stats.ExactDuplicates, stats), duplicates - 0.025, duplicates + 0.025);
        Assert.InRange(Share(stats.OlderVersions, stats), older - 0.025, older + 0.025);
        Assert.InRange(Share(stats.NewerVersions, stats), newer - 0.025, newer + 0.025);
        Assert.Equal((stats.ExactDuplicates, stats.OlderVersions, stats.NewerVersions),
            ((long)parsed.ExactDuplicates, (long)parsed.OlderVersions, (long)parsed.NewerVersions));
        Assert.True(stats.UniqueKeys >= 1);
    }

    [Theory]
    [InlineData(SampleOptions.Deals)]
    [InlineData(SampleOptions.Accounts)]
    public void Without_anomalies_every_value_matches_the_schema(string entity)
    {
        var bytes = Generate(new SampleOptions { Entity = entity, Records = 20_000, Seed = 5 }, out var stats);

        var parsed = SampleAnalysis.Run(bytes, entity, Checker);

        Assert.Empty(parsed.Problems.Take(20));
        Assert.Equal(0, parsed.DeliberateIssues);
        Assert.Equal(0, parsed.MissingArray);
        Assert.False(stats.SeedRecordWritten);
        Assert.Equal(0, stats.LinesWithNullField + stats.LinesWithMissingArray + stats.LinesWithUnknownField
            + stats.LinesWithInvalidUuid + stats.LinesWithUnparsableTimestamp + stats.LinesWithNullTags);
    }

    [Theory]
    [InlineData(SampleOptions.Deals)]
    [InlineData(SampleOptions.Accounts)]
    public void With_anomalies_every_schema_issue_is_a_deliberate_one_and_each_kind_occurs(string entity)
    {
        var bytes = Generate(new SampleOptions { Entity = entity, Records = 20_000, Anomalies = true }, out var stats);

        var parsed = SampleAnalysis.Run(bytes, entity, Checker);

        Assert.Empty(parsed.Problems.Take(20));
        Assert.True(stats.LinesWithNullField > 0);
        Assert.True(parsed.MissingArray > 0);
        Assert.True(parsed.EmptyArray > 0);
        Assert.True(parsed.UnknownField > 0);
        Assert.True(parsed.InvalidUuidOutsideSeedKey > 0);
        Assert.True(parsed.UnparsableTimestamp > 0);
        if (entity == SampleOptions.Deals)
        {
            Assert.True(parsed.MissingTags > 0);
            Assert.True(parsed.NullTags > 0);
            Assert.True(stats.SeedRecordWritten);
        }
    }

    [Theory]
    [MemberData(nameof(EntitiesAndAnomalies))]
    public void Ids_are_lower_case_uuids_except_the_deliberate_invalid_one(string entity, bool anomalies)
    {
        var bytes = Generate(new SampleOptions { Entity = entity, Records = 5_000, Anomalies = anomalies }, out _);
        var invalid = 0;

        foreach (var line in Lines(bytes))
        {
            using var document = JsonDocument.Parse(line);
            foreach (var (path, value) in UuidValues(document.RootElement, ""))
            {
                if (value == SampleDataGenerator.InvalidTerritoryId)
                {
                    Assert.True(anomalies, $"{path}: invalid id without anomalies");
                    Assert.Contains(path, new[] { "territories[].id", "territories[].association.target_id" });
                    invalid++;
                    continue;
                }
                Assert.Matches(SchemaChecker.LowerCaseUuid(), value);
                Assert.True(Guid.TryParseExact(value, "D", out _), $"{path}: {value}");
            }
        }
        Assert.Equal(anomalies, invalid > 0);
    }

    [Fact]
    public void Seed_record_comes_first_for_deals_with_anomalies_and_only_on_request_otherwise()
    {
        var withAnomalies = Lines(Generate(new SampleOptions { Records = 10, Anomalies = true }, out var stats)).First();
        var clean = Lines(Generate(new SampleOptions { Records = 10 }, out var cleanStats)).First();
        var requested = Lines(Generate(new SampleOptions { Records = 10, IncludeSeedRecord = true }, out _)).First();

        Assert.True(stats.SeedRecordWritten);
        Assert.False(cleanStats.SeedRecordWritten);
        Assert.Equal(SampleDataGenerator.SeedRecordId, IdOf(withAnomalies));
        Assert.NotEqual(SampleDataGenerator.SeedRecordId, IdOf(clean));
        Assert.Equal(withAnomalies, requested);
        BundledSampleTests.AssertIsSeedRecord(withAnomalies);
        Assert.Throws<ArgumentException>(() =>
            new SampleDataGenerator(new SampleOptions { Entity = SampleOptions.Accounts, IncludeSeedRecord = true }));
    }

    [Fact]
    public void Change_values_cover_every_kind_of_json_value()
    {
        var bytes = Generate(new SampleOptions { Records = 3_000 }, out _);

        var parsed = SampleAnalysis.Run(bytes, SampleOptions.Deals, Checker);

        Assert.Superset(
            new HashSet<JsonValueKind>
            {
                JsonValueKind.Object, JsonValueKind.Array, JsonValueKind.String, JsonValueKind.Number,
                JsonValueKind.True, JsonValueKind.False, JsonValueKind.Null,
            },
            parsed.ChangeValueKinds);
    }

    [Fact]
    public void Array_sizes_stay_in_their_ranges()
    {
        var options = new SampleOptions { Records = 5_000, DealTerritories = new(1, 2), Tags = new(3, 3), StageHistory = new(0, 0) };
        var bytes = Generate(options, out _);

        foreach (var line in Lines(bytes))
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var territories = root.GetProperty("territories").GetArrayLength();
            // A newer version may empty the territories: that is the one allowed exception.
            Assert.True(territories is 0 or 1 or 2, $"territories: {territories}");
            Assert.Equal(3, root.GetProperty("tags").GetArrayLength());
            Assert.Equal(0, root.GetProperty("stage_history").GetArrayLength());
        }
    }

    [Fact]
    public void Zero_records_write_nothing()
    {
        var bytes = Generate(new SampleOptions { Records = 0, Anomalies = true }, out var stats);

        Assert.Empty(bytes);
        Assert.Equal(0, stats.Lines);
        Assert.False(stats.SeedRecordWritten);
    }

    [Fact]
    public void Bad_options_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new SampleDataGenerator(new SampleOptions { Entity = "contacts" }));
        Assert.Throws<ArgumentException>(() => new SampleDataGenerator(new SampleOptions { DuplicateRatio = 0.6, OlderVersionRatio = 0.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SampleDataGenerator(new SampleOptions { NewerVersionRatio = -0.1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SampleDataGenerator(new SampleOptions { Tags = new(3, 2) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SampleDataGenerator(new SampleOptions { Records = -1 }));
    }

    [Fact]
    public void Cancellation_stops_the_write()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() =>
            new SampleDataGenerator(new SampleOptions { Records = 10_000 }).Write(Stream.Null, cancelled.Token));
    }

    internal static byte[] Generate(SampleOptions options, out SampleStats stats)
    {
        using var output = new MemoryStream();
        stats = new SampleDataGenerator(options).Write(output);
        return output.ToArray();
    }

    internal static IEnumerable<byte[]> Lines(byte[] ndjson)
    {
        var start = 0;
        for (var i = 0; i < ndjson.Length; i++)
        {
            if (ndjson[i] == (byte)'\n')
            {
                yield return ndjson[start..i];
                start = i + 1;
            }
        }
        if (start < ndjson.Length)
        {
            yield return ndjson[start..];
        }
    }

    internal static string IdOf(byte[] line)
    {
        using var document = JsonDocument.Parse(line);
        return document.RootElement.GetProperty("id").GetString()!;
    }

    private static HashSet<string> Ids(byte[] ndjson) => Lines(ndjson).Select(IdOf).ToHashSet(StringComparer.Ordinal);

    private static double Share(long count, SampleStats stats) => (double)count / stats.Lines;

    /// <summary>Every string under a name that holds a uuid in the schemas (id, *_id), with its index-free path.</summary>
    private static IEnumerable<(string Path, string Value)> UuidValues(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                foreach (var found in UuidValues(item, path + "[]"))
                {
                    yield return found;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                // custom_fields and change values are free-form: an "id" in there is data, not a key.
                if (property.Name is "custom_fields" or "old_value" or "new_value")
                {
                    continue;
                }
                var childPath = path.Length == 0 ? property.Name : path + "." + property.Name;
                if ((property.Name == "id" || property.Name.EndsWith("_id", StringComparison.Ordinal))
                    && property.Value.ValueKind == JsonValueKind.String)
                {
                    yield return (childPath, property.Value.GetString()!);
                }
                else
                {
                    foreach (var found in UuidValues(property.Value, childPath))
                    {
                        yield return found;
                    }
                }
            }
        }
    }
}
