using BenchmarkDotNet.Attributes;
using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Postgres;

namespace SuccessApp.Benchmarks;

/// <summary>
/// Binary COPY encoding of a flattened chunk: the generated <c>WriteRows</c> of every table into a
/// <see cref="PgBinaryCopyWriter"/> over <see cref="Stream.Null"/> (encoding only, no I/O). Per input record.
/// </summary>
[MemoryDiagnoser]
public class CopyEncodingBenchmarks
{
    private DealsBatch _batch = null!;

    [GlobalSetup]
    public void Setup() => _batch = BenchData.Instance.Flatten();

    [GlobalCleanup]
    public void Cleanup() => _batch.Dispose();

    [Benchmark(OperationsPerInvoke = BenchData.Records), PerRecord]
    public long WriteRows_all_tables()
    {
        using var writer = new PgBinaryCopyWriter(Stream.Null);
        writer.WriteHeader();
        for (var table = 0; table < _batch.Definition.Tables.Count; table++)
        {
            _batch.WriteRows(table, writer);
        }
        writer.WriteTrailer();
        writer.Flush();
        return writer.BytesWritten;
    }
}
