using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Sampling;

namespace SuccessApp.Benchmarks;

/// <summary>
/// One chunk of realistic deals records (the sync's default chunk of 5,000 lines, from the seeded generator with its
/// 30% exact duplicates and 15% other versions), split into lines. Deterministic: the host process computes the same
/// bytes as the benchmark process, which the MB/s column relies on.
/// </summary>
public sealed class BenchData
{
    public const int Records = 5000;

    private static readonly Lazy<BenchData> Shared = new(() => new BenchData(Records));

    private BenchData(int records)
    {
        using var buffer = new MemoryStream();
        new SampleDataGenerator(new SampleOptions { Entity = SampleOptions.Deals, Records = records, Seed = 42 }).Write(buffer);
        Bytes = buffer.ToArray();
        var lines = new List<Range>(records);
        var start = 0;
        for (var i = 0; i < Bytes.Length; i++)
        {
            if (Bytes[i] == (byte)'\n')
            {
                lines.Add(start..i);
                start = i + 1;
            }
        }
        if (start < Bytes.Length)
        {
            lines.Add(start..Bytes.Length);
        }
        Lines = [.. lines];
    }

    public static BenchData Instance => Shared.Value;

    /// <summary>The NDJSON text, newlines included.</summary>
    public byte[] Bytes { get; }

    public Range[] Lines { get; }

    public double JsonBytesPerRecord => (double)Bytes.Length / Lines.Length;

    /// <summary>A batch holding the whole chunk, flattened and deduplicated as sync would.</summary>
    public DealsBatch Flatten()
    {
        var batch = new DealsBatch();
        Fill(batch);
        return batch;
    }

    public void Fill(DealsBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        batch.Clear();
        var bytes = Bytes.AsSpan();
        foreach (var line in Lines)
        {
            batch.Add(bytes[line]);
        }
    }
}
