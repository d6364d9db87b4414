using System.Text.Json;
using SuccessApp.Etl.Sampling;

namespace SuccessApp.Etl.Tests.Sampling;

/// <summary>
/// The two NDJSON samples shipped with the worker: reproducible from their command line, and holding at least
/// one of every case the loader must get right.
/// </summary>
public sealed class BundledSampleTests
{
    /// <summary>The territories example of the memory incident, verbatim.</summary>
    public const string IncidentTerritories = """
        [
          {
            "id": "04b191f8-c86b-46fd-9932-23a592562349",
            "name": "LATAM",
            "color": "indigo-dark",
            "created_at": "2023-04-23 21:00:18",
            "updated_at": "2023-04-23 21:00:18",
            "association": {
              "source_id": "ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a",
              "target_id": "04b191f8-c86b-46fd-9932-23a592562349",
              "id": "5e1e6be8-b9c5-4665-a25d-31baccb2f31d"
            }
          },
          {
            "id": "f79e74c6-1253-473a-90dc-cb3ff5dddc2f7",
            "name": "LATAM-SOLA-BRAZIL SOUTH CROSS",
            "color": "indigo-light",
            "created_at": "2023-04-23 21:00:20",
            "updated_at": "2023-04-23 21:00:20",
            "association": {
              "source_id": "ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a",
              "target_id": "f79e74c6-1253-473a-90dc-cb3ff5dddc2f7",
              "id": "590b85a8-a136-4ae9-ac98-4d406d6614ab"
            }
          }
        ]
        """;

    // The command lines that made the files (SuccessApp.SampleGen); regenerate both after any generator change.
    private static readonly SampleOptions DealsSample = new() { Entity = SampleOptions.Deals, Records = 300, Seed = 7, Anomalies = true };
    private static readonly SampleOptions AccountsSample = new() { Entity = SampleOptions.Accounts, Records = 150, Seed = 7, Anomalies = true };

    private static readonly SchemaChecker Checker = SchemaChecker.ForRepository();

    [Theory]
    [InlineData("deals.ndjson", SampleOptions.Deals)]
    [InlineData("accounts.ndjson", SampleOptions.Accounts)]
    public void Bundled_file_is_exactly_what_its_command_line_generates(string file, string entity)
    {
        var options = entity == SampleOptions.Deals ? DealsSample : AccountsSample;
        var bundled = File.ReadAllBytes(SamplingPaths.Sample(file));

        var generated = SampleDataGeneratorTests.Generate(options, out _);

        Assert.True(generated.AsSpan().SequenceEqual(bundled),
            $"{file} is stale: regenerate it with --entity {entity} --records {options.Records} --seed {options.Seed} --anomalies");
    }

    [Fact]
    public void Deals_sample_starts_with_the_seed_record_and_holds_every_case()
    {
        var bytes = File.ReadAllBytes(SamplingPaths.Sample("deals.ndjson"));
        var parsed = SampleAnalysis.Run(bytes, SampleOptions.Deals, Checker);

        Assert.Empty(parsed.Problems);
        Assert.InRange(parsed.Lines, 280, 320);
        AssertIsSeedRecord(SampleDataGeneratorTests.Lines(bytes).First());
        Assert.True(parsed.ExactDuplicates >= 1, "an exact duplicate");
        Assert.True(parsed.OlderVersions >= 1, "an older version after its newer one");
        Assert.True(parsed.NewerWithEmptiedTerritories >= 1, "a newer version whose territories became []");
        Assert.True(parsed.MissingTags >= 1, "a record without tags");
        Assert.True(parsed.NullTags >= 1, "a record with \"tags\": null");
        Assert.True(parsed.UnknownField >= 1, "an unknown field");
        Assert.True(HasUnknownRootField(bytes), "an unknown root field");
        Assert.True(parsed.InvalidUuidOutsideSeedKey >= 1, "the invalid id in a record other than the seed's");
        Assert.True(parsed.UnparsableTimestamp >= 1, "an unparsable timestamp");
        Assert.True(parsed.MissingArray >= 1 && parsed.EmptyArray >= 1, "missing and empty arrays");
    }

    [Fact]
    public void Accounts_sample_holds_every_case()
    {
        var bytes = File.ReadAllBytes(SamplingPaths.Sample("accounts.ndjson"));
        var parsed = SampleAnalysis.Run(bytes, SampleOptions.Accounts, Checker);

        Assert.Empty(parsed.Problems);
        Assert.InRange(parsed.Lines, 130, 170);
        Assert.True(parsed.ExactDuplicates >= 1, "an exact duplicate");
        Assert.True(parsed.OlderVersions >= 1, "an older version after its newer one");
        Assert.True(parsed.NewerWithEmptiedTerritories >= 1, "a newer version whose territories became []");
        Assert.True(HasUnknownRootField(bytes), "an unknown root field");
        Assert.True(parsed.InvalidUuidOutsideSeedKey >= 1, "the invalid territory id");
        Assert.True(parsed.UnparsableTimestamp >= 1, "an unparsable timestamp");
        Assert.True(parsed.MissingArray >= 1 && parsed.EmptyArray >= 1, "missing and empty arrays");
    }

    internal static void AssertIsSeedRecord(byte[] line)
    {
        using var document = JsonDocument.Parse(line);
        using var incident = JsonDocument.Parse(IncidentTerritories);
        var root = document.RootElement;

        Assert.Equal(SampleDataGenerator.SeedRecordId, root.GetProperty("id").GetString());
        var territories = root.GetProperty("territories");
        Assert.True(JsonElement.DeepEquals(incident.RootElement, territories),
            $"territories differ from the incident's: {territories.GetRawText()}");
        // Same field order as the API sent, too.
        Assert.Equal(
            incident.RootElement.EnumerateArray().Select(t => string.Join(",", t.EnumerateObject().Select(p => p.Name))),
            territories.EnumerateArray().Select(t => string.Join(",", t.EnumerateObject().Select(p => p.Name))));
    }

    private static bool HasUnknownRootField(byte[] ndjson) =>
        SampleDataGeneratorTests.Lines(ndjson).Any(line =>
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.TryGetProperty("priority", out _);
        });
}
