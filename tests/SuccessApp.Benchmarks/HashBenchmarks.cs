using BenchmarkDotNet.Attributes;
using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Flattening;

namespace SuccessApp.Benchmarks;

/// <summary>
/// The generated comparers on a flattened chunk: the stable content hash of every row of every table (what Add
/// computes for <c>_hash</c> and dedup), and full equality of root rows (what confirms a duplicate after a hash hit).
/// Times are per input record of the chunk.
/// </summary>
[MemoryDiagnoser]
public class HashBenchmarks
{
    private DealsBatch _batch = null!;
    private readonly ContentHasher _hasher = new();

    [GlobalSetup]
    public void Setup() => _batch = BenchData.Instance.Flatten();

    [GlobalCleanup]
    public void Cleanup() => _batch.Dispose();

    [Benchmark(OperationsPerInvoke = BenchData.Records), PerRecord]
    public ulong ContentHash_all_tables()
    {
        var arena = _batch.Context.Arena;
        ulong sum = 0;
        foreach (ref readonly var row in _batch.Deals.AsSpan())
        {
            sum += DealsRowComparer.ContentHash(in row, arena, _hasher);
        }
        foreach (ref readonly var row in _batch.DealsResultReasons.AsSpan())
        {
            sum += DealsResultReasonsRowComparer.ContentHash(in row, arena, _hasher);
        }
        foreach (ref readonly var row in _batch.DealsTerritories.AsSpan())
        {
            sum += DealsTerritoriesRowComparer.ContentHash(in row, arena, _hasher);
        }
        foreach (ref readonly var row in _batch.DealsBridges.AsSpan())
        {
            sum += DealsBridgesRowComparer.ContentHash(in row, arena, _hasher);
        }
        foreach (ref readonly var row in _batch.DealsTags.AsSpan())
        {
            sum += DealsTagsRowComparer.ContentHash(in row, arena, _hasher);
        }
        foreach (ref readonly var row in _batch.DealsStageHistory.AsSpan())
        {
            sum += DealsStageHistoryRowComparer.ContentHash(in row, arena, _hasher);
        }
        foreach (ref readonly var row in _batch.DealsStageHistoryChanges.AsSpan())
        {
            sum += DealsStageHistoryChangesRowComparer.ContentHash(in row, arena, _hasher);
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = BenchData.Records), PerRecord]
    public int ContentEquals_root_rows()
    {
        var arena = _batch.Context.Arena;
        var equal = 0;
        var rows = _batch.Deals.AsSpan();
        for (var i = 0; i < rows.Length; i++)
        {
            // Each row against itself: the worst case, every field compared to the end.
            if (DealsRowComparer.ContentEquals(in rows[i], in rows[i], arena))
            {
                equal++;
            }
        }
        return equal;
    }
}
