namespace SuccessApp.Etl.Sampling;

/// <summary>An inclusive range for the length of a generated array.</summary>
public readonly record struct SizeRange(int Min, int Max)
{
    public override string ToString() => $"{Min}..{Max}";
}

/// <summary>
/// What <see cref="SampleDataGenerator"/> writes. The ratios are shares of <see cref="Records"/> (all lines, not of
/// unique keys); the remaining share is fresh keys. Same options ⇒ byte-identical output.
/// </summary>
public sealed record SampleOptions
{
    public const string Deals = "deals";
    public const string Accounts = "accounts";

    /// <summary><c>deals</c> or <c>accounts</c>.</summary>
    public string Entity { get; init; } = Deals;

    /// <summary>Lines written in total, duplicates and versions included.</summary>
    public long Records { get; init; } = 1000;

    public int Seed { get; init; } = 42;

    /// <summary>Share of lines that are byte-for-byte copies of an earlier line.</summary>
    public double DuplicateRatio { get; init; } = 0.30;

    /// <summary>Share of lines that are an older version (earlier <c>updated_at</c>) of a key already written.</summary>
    public double OlderVersionRatio { get; init; } = 0.10;

    /// <summary>Share of lines that are a newer version (later <c>updated_at</c>) of a key already written.</summary>
    public double NewerVersionRatio { get; init; } = 0.05;

    /// <summary>Nulls, absent/empty arrays, unknown fields, the seed's invalid id, unparsable timestamps.</summary>
    public bool Anomalies { get; init; }

    /// <summary>
    /// Write the incident's deal (id <c>ea6338ef-…</c> with its two territories) as line 1. Null means "deals with
    /// anomalies on": the seed record carries a 37-character id, so a clean run must not get it by default.
    /// </summary>
    public bool? IncludeSeedRecord { get; init; }

    // Deals.
    public SizeRange DealTerritories { get; init; } = new(0, 4);
    public SizeRange ResultReasons { get; init; } = new(0, 3);
    public SizeRange Bridges { get; init; } = new(0, 3);
    public SizeRange Tags { get; init; } = new(0, 5);
    public SizeRange StageHistory { get; init; } = new(0, 4);
    public SizeRange StageChanges { get; init; } = new(0, 3);

    // Accounts.
    public SizeRange AccountTerritories { get; init; } = new(0, 3);
    public SizeRange Contacts { get; init; } = new(0, 4);
    public SizeRange Phones { get; init; } = new(0, 3);

    public bool IsDeals => string.Equals(Entity, Deals, StringComparison.Ordinal);

    public bool SeedRecordIncluded => IncludeSeedRecord ?? (IsDeals && Anomalies);

    /// <summary>Throws <see cref="ArgumentException"/> for options the generator cannot honour.</summary>
    public void Validate()
    {
        if (!IsDeals && !string.Equals(Entity, Accounts, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Entity must be '{Deals}' or '{Accounts}', not '{Entity}'.", nameof(Entity));
        }
        if (SeedRecordIncluded && !IsDeals)
        {
            throw new ArgumentException("The seed record is a deal.", nameof(IncludeSeedRecord));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(Records);
        CheckRatio(DuplicateRatio, nameof(DuplicateRatio));
        CheckRatio(OlderVersionRatio, nameof(OlderVersionRatio));
        CheckRatio(NewerVersionRatio, nameof(NewerVersionRatio));
        if (DuplicateRatio + OlderVersionRatio + NewerVersionRatio > 1.0)
        {
            throw new ArgumentException("DuplicateRatio + OlderVersionRatio + NewerVersionRatio must not exceed 1.");
        }
        CheckRange(DealTerritories, nameof(DealTerritories));
        CheckRange(ResultReasons, nameof(ResultReasons));
        CheckRange(Bridges, nameof(Bridges));
        CheckRange(Tags, nameof(Tags));
        CheckRange(StageHistory, nameof(StageHistory));
        CheckRange(StageChanges, nameof(StageChanges));
        CheckRange(AccountTerritories, nameof(AccountTerritories));
        CheckRange(Contacts, nameof(Contacts));
        CheckRange(Phones, nameof(Phones));
    }

    private static void CheckRatio(double value, string name)
    {
        if (!(value >= 0.0 && value <= 1.0))
        {
            throw new ArgumentOutOfRangeException(name, value, "A ratio must be between 0 and 1.");
        }
    }

    private static void CheckRange(SizeRange range, string name)
    {
        // 64 keeps lines sane. Distinct picks come from fixed pools, so more than a pool holds is capped there
        // (21 territories, 14 tags, 12 result reasons).
        if (range.Min < 0 || range.Max < range.Min || range.Max > 64)
        {
            throw new ArgumentOutOfRangeException(name, range, "Need 0 <= Min <= Max <= 64.");
        }
    }
}
