using System.Text.Json;
using BenchmarkDotNet.Attributes;
using SuccessApp.Etl.Entities;

namespace SuccessApp.Benchmarks;

/// <summary>
/// The generated flattener over one chunk (frame-split lines of the generator's NDJSON), against a bare
/// <see cref="Utf8JsonReader"/> token scan of the same lines: the parse limit the flattener is measured against.
/// The batch is warmed once, as sync's batches are after their first chunk, so steady state should allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class FlattenBenchmarks
{
    private BenchData _data = null!;
    private DealsBatch _batch = null!;

    [GlobalSetup]
    public void Setup()
    {
        _data = BenchData.Instance;
        _batch = _data.Flatten();
    }

    [GlobalCleanup]
    public void Cleanup() => _batch.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = BenchData.Records), PerRecord]
    public long Utf8JsonReader_scan()
    {
        var bytes = _data.Bytes.AsSpan();
        long tokens = 0;
        foreach (var line in _data.Lines)
        {
            var reader = new Utf8JsonReader(bytes[line]);
            while (reader.Read())
            {
                tokens++;
            }
        }
        return tokens;
    }

    [Benchmark(OperationsPerInvoke = BenchData.Records), PerRecord]
    public int DealsBatch_Add()
    {
        _data.Fill(_batch);
        return _batch.LiveRecords;
    }
}
