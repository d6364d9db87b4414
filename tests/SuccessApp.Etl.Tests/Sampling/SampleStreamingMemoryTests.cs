using SuccessApp.Etl.Sampling;

namespace SuccessApp.Etl.Tests.Sampling;

/// <summary>Measures the whole process's managed heap, so nothing else may run beside it.</summary>
[CollectionDefinition(nameof(SampleStreamingMemoryTests), DisableParallelization = true)]
public sealed class SampleStreamingMemoryCollection;

[Collection(nameof(SampleStreamingMemoryTests))]
public sealed class SampleStreamingMemoryTests
{
    // A generator that kept its records would need ~2 KB a line: 180k more lines would add ~400 MB.
    private const long SlackBytes = 16L * 1024 * 1024;

    [Fact]
    public void Ten_times_the_records_do_not_take_more_managed_memory()
    {
        var options = new SampleOptions { Records = 20_000, Anomalies = true };
        Run(options, out _, out _); // warm up: JIT, static pools, array pools

        Run(options, out var smallPeak, out var smallAfter);
        Run(options with { Records = 200_000 }, out var largePeak, out var largeAfter);

        Assert.True(largePeak - smallPeak < SlackBytes,
            $"live managed memory while writing: {smallPeak:N0} bytes for 20k records, {largePeak:N0} for 200k");
        Assert.True(largeAfter - smallAfter < SlackBytes,
            $"managed memory after writing: {smallAfter:N0} bytes for 20k records, {largeAfter:N0} for 200k");
    }

    private static void Run(SampleOptions options, out long peakWhileWriting, out long afterWriting)
    {
        var generator = new SampleDataGenerator(options);
        using var sink = new PeakMemoryStream();
        var stats = generator.Write(sink);
        afterWriting = GC.GetTotalMemory(forceFullCollection: true);
        peakWhileWriting = sink.Peak;
        GC.KeepAlive(generator);
        Assert.Equal(options.Records, stats.Lines);
        Assert.True(sink.Samples >= 2, $"only {sink.Samples} samples");
    }

    /// <summary>A null stream that, every few MB, measures live managed memory from inside the write.</summary>
    private sealed class PeakMemoryStream : Stream
    {
        private const long SampleEvery = 16L * 1024 * 1024;
        private long _written;
        private long _nextSample = SampleEvery;

        public long Peak { get; private set; }

        public int Samples { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _written;

        public override long Position
        {
            get => _written;
            set => throw new NotSupportedException();
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _written += buffer.Length;
            if (_written >= _nextSample)
            {
                _nextSample += SampleEvery;
                Samples++;
                Peak = Math.Max(Peak, GC.GetTotalMemory(forceFullCollection: true));
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
