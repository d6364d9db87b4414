namespace SuccessApp.Etl.Sampling;

/// <summary>
/// What one <see cref="SampleDataGenerator.Write(Stream, CancellationToken)"/> call wrote. Every line is exactly one of
/// unique key, exact duplicate, older version or newer version, so those four add up to <see cref="Lines"/>.
/// The anomaly counts are of lines (an exact duplicate of an anomalous line counts again), so a test can re-derive
/// them by parsing the output.
/// </summary>
public sealed record SampleStats
{
    public long Lines { get; init; }

    public long Bytes { get; init; }

    /// <summary>Lines that introduced a key not written before (the seed record included).</summary>
    public long UniqueKeys { get; init; }

    public long ExactDuplicates { get; init; }

    /// <summary>Lines with a key already written and an <c>updated_at</c> earlier than every earlier line of it.</summary>
    public long OlderVersions { get; init; }

    /// <summary>Lines with a key already written and an <c>updated_at</c> later than every earlier line of it.</summary>
    public long NewerVersions { get; init; }

    /// <summary>Newer versions whose <c>territories</c> became <c>[]</c>.</summary>
    public long NewerVersionsWithEmptiedTerritories { get; init; }

    /// <summary>A correct load keeps one row per key, the one with the latest <c>updated_at</c>.</summary>
    public long ExpectedDistinctFinalRecords => UniqueKeys;

    public bool SeedRecordWritten { get; init; }

    public long LinesWithNullField { get; init; }

    public long LinesWithMissingArray { get; init; }

    public long LinesWithEmptyArray { get; init; }

    public long LinesWithMissingTags { get; init; }

    public long LinesWithNullTags { get; init; }

    public long LinesWithEmptyTerritories { get; init; }

    /// <summary>Lines with <c>"priority"</c> at the root or <c>"region"</c> in a territory's association.</summary>
    public long LinesWithUnknownField { get; init; }

    /// <summary>Lines holding the seed's 37-character territory id (the seed record included).</summary>
    public long LinesWithInvalidUuid { get; init; }

    public long LinesWithUnparsableTimestamp { get; init; }
}
