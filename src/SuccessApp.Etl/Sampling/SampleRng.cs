namespace SuccessApp.Etl.Sampling;

/// <summary>
/// SplitMix64: tiny, fast, and fully specified here, so output never changes with a runtime upgrade (unlike
/// <see cref="Random"/>, whose seeded sequence is an implementation detail). Every record section gets its own
/// stream derived from (seed, key, section, version), which is what lets an exact duplicate be regenerated
/// instead of stored.
/// </summary>
internal struct SampleRng
{
    private ulong _state;

    public SampleRng(ulong state) => _state = state;

    /// <param name="item">Array element, so one element's draws never shift the next element's.</param>
    public static SampleRng For(ulong seed, long key, Section section, int version = 0, int item = 0)
    {
        var h = Mix(seed ^ 0x5A17_5EED_0000_0001UL);
        h = Mix(h ^ (ulong)key);
        h = Mix(h ^ (ulong)section);
        h = Mix(h ^ (ulong)(uint)version);
        h = Mix(h ^ (ulong)(uint)item);
        return new SampleRng(h);
    }

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>0 &lt;= result &lt; <paramref name="maxExclusive"/> (multiply-high; the bias is far below 1e-9).</summary>
    public int Next(int maxExclusive) => (int)(((NextUInt64() >> 32) * (ulong)(uint)maxExclusive) >> 32);

    public int Next(int minInclusive, int maxInclusive) => minInclusive + Next(maxInclusive - minInclusive + 1);

    public int Next(SizeRange range) => Next(range.Min, range.Max);

    public long NextLong(long maxExclusive) => (long)(NextUInt64() % (ulong)maxExclusive);

    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public bool Chance(double p) => p > 0 && NextDouble() < p;

    public T Pick<T>(T[] items) => items[Next(items.Length)];

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>Independent random streams per part of a record, so changing one part never shifts another.</summary>
internal enum Section
{
    Stream = 1,
    Id,
    Scalars,
    Owner,
    Result,
    Reasons,
    Territories,
    Bridges,
    Tags,
    Stages,
    Custom,
    Times,
    Contacts,
    Version,
    Anomaly,
    Pool,
}
