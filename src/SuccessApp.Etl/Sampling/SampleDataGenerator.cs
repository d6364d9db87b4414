using System.Buffers;
using System.Text;
using System.Text.Json;

namespace SuccessApp.Etl.Sampling;

/// <summary>
/// Writes deterministic, seed-shaped SuccessApp records as NDJSON (UTF-8, one compact record per line, <c>\n</c>),
/// mixing fresh keys with the API's repeats: exact duplicates, older versions arriving after newer ones, and newer
/// versions. Same options ⇒ byte-identical output, on any machine and runtime version.
/// </summary>
/// <remarks>
/// Memory is constant in <see cref="SampleOptions.Records"/>: a record is a pure function of (seed, key, version),
/// so instead of storing lines the generator remembers only which (key, version) it wrote, in two fixed rings of
/// <see cref="ReservoirSize"/> entries (16 bytes each, about 320 KB together), plus a 64 KB output buffer. A
/// repeat therefore refers to one of the last 10,000 lines or fresh keys, as API overlap windows do.
/// </remarks>
public sealed class SampleDataGenerator
{
    /// <summary>The incident's deal: line 1 when <see cref="SampleOptions.SeedRecordIncluded"/>.</summary>
    public const string SeedRecordId = "ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a";

    /// <summary>The incident's second territory id: 37 characters, not a UUID. Written as-is, never repaired.</summary>
    public const string InvalidTerritoryId = "f79e74c6-1253-473a-90dc-cb3ff5dddc2f7";

    /// <summary>Entries in each ring (recent lines for duplicates, recent fresh keys for versions).</summary>
    public const int ReservoirSize = 10_000;

    private const int FlushBytes = 64 * 1024;

    private readonly SampleOptions _options;
    private readonly SamplePools _pools;

    public SampleDataGenerator(SampleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _pools = new SamplePools((ulong)(uint)options.Seed);
    }

    public SampleOptions Options => _options;

    /// <summary>Writes <see cref="SampleOptions.Records"/> lines; flushes in 64 KB chunks and leaves the stream open.</summary>
    public SampleStats Write(Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        return Run(output, null, cancellationToken);
    }

    /// <summary>The same bytes, decoded, for a writer (whose own encoding then applies).</summary>
    public SampleStats Write(TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        return Run(null, output, cancellationToken);
    }

    /// <summary>Writes to a new file (replacing it) and returns what was written.</summary>
    public SampleStats WriteFile(string path, CancellationToken cancellationToken = default)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1);
        return Write(file, cancellationToken);
    }

    private SampleStats Run(Stream? stream, TextWriter? text, CancellationToken cancellationToken)
    {
        var seed = (ulong)(uint)_options.Seed;
        var buffer = new ArrayBufferWriter<byte>(FlushBytes + (FlushBytes / 2));
        char[]? chars = null;
        using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = SamplePools.Encoder });
        var records = new SampleRecordWriter(_options, _pools);
        var pick = SampleRng.For(seed, 0, Section.Stream);

        var lines = new LineRef[ReservoirSize];
        var lineCount = 0;
        var keys = new KeyState[ReservoirSize];
        var keyCount = 0;
        var nextKey = 0L;
        var duplicateUpTo = _options.DuplicateRatio;
        var olderUpTo = duplicateUpTo + _options.OlderVersionRatio;
        var newerUpTo = olderUpTo + _options.NewerVersionRatio;
        var stats = new Counters();

        for (var i = 0L; i < _options.Records; i++)
        {
            if ((i & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            // Always draw, so the line-kind sequence does not depend on what the reservoir held.
            var u = pick.NextDouble();
            var kind = LineKind.New;
            if (keyCount > 0 && !(i == 0 && _options.SeedRecordIncluded))
            {
                kind = u < duplicateUpTo ? LineKind.Duplicate
                    : u < olderUpTo ? LineKind.Older
                    : u < newerUpTo ? LineKind.Newer
                    : LineKind.New;
            }

            long key;
            int version;
            switch (kind)
            {
                case LineKind.Duplicate:
                    var line = lines[pick.Next(Math.Min(lineCount, ReservoirSize))];
                    (key, version) = (line.Key, line.Version);
                    stats.Duplicates++;
                    break;
                case LineKind.Older:
                    ref var older = ref keys[pick.Next(Math.Min(keyCount, ReservoirSize))];
                    key = older.Key;
                    version = --older.Oldest;
                    stats.Older++;
                    break;
                case LineKind.Newer:
                    ref var newer = ref keys[pick.Next(Math.Min(keyCount, ReservoirSize))];
                    key = newer.Key;
                    version = ++newer.Newest;
                    stats.Newer++;
                    break;
                default:
                    key = nextKey++;
                    version = 0;
                    keys[keyCount++ % ReservoirSize] = new KeyState { Key = key };
                    stats.Unique++;
                    break;
            }
            lines[lineCount++ % ReservoirSize] = new LineRef(key, version);
            // Wrap the counters well before int overflow; only "ring full" matters once past the size.
            if (lineCount >= 2 * ReservoirSize)
            {
                lineCount -= ReservoirSize;
            }
            if (keyCount >= 2 * ReservoirSize)
            {
                keyCount -= ReservoirSize;
            }

            json.Reset(buffer);
            var facts = records.Write(json, key, version);
            json.Flush();
            buffer.GetSpan(1)[0] = (byte)'\n';
            buffer.Advance(1);
            stats.Add(facts, kind);

            if (buffer.WrittenCount >= FlushBytes)
            {
                stats.Bytes += buffer.WrittenCount;
                Emit(buffer, stream, text, ref chars);
            }
        }
        stats.Bytes += buffer.WrittenCount;
        Emit(buffer, stream, text, ref chars);
        stream?.Flush();
        text?.Flush();
        if (chars is not null)
        {
            ArrayPool<char>.Shared.Return(chars);
        }
        return stats.ToStats(_options.SeedRecordIncluded && _options.Records > 0);
    }

    private static void Emit(ArrayBufferWriter<byte> buffer, Stream? stream, TextWriter? text, ref char[]? chars)
    {
        if (buffer.WrittenCount == 0)
        {
            return;
        }
        if (stream is not null)
        {
            stream.Write(buffer.WrittenSpan);
        }
        else
        {
            // A chunk always ends at a line break, so it never splits a UTF-8 sequence.
            var needed = Encoding.UTF8.GetMaxCharCount(buffer.WrittenCount);
            if (chars is null || chars.Length < needed)
            {
                if (chars is not null)
                {
                    ArrayPool<char>.Shared.Return(chars);
                }
                chars = ArrayPool<char>.Shared.Rent(needed);
            }
            var count = Encoding.UTF8.GetChars(buffer.WrittenSpan, chars);
            text!.Write(chars, 0, count);
        }
        buffer.ResetWrittenCount();
    }

    private enum LineKind
    {
        New,
        Duplicate,
        Older,
        Newer,
    }

    private readonly record struct LineRef(long Key, int Version);

    private struct KeyState
    {
        public long Key;
        public int Oldest;
        public int Newest;
    }

    private sealed class Counters
    {
        public long Bytes;
        public long Unique;
        public long Duplicates;
        public long Older;
        public long Newer;
        private long _newerEmptied;
        private long _nullField;
        private long _missingArray;
        private long _emptyArray;
        private long _missingTags;
        private long _nullTags;
        private long _emptyTerritories;
        private long _unknownField;
        private long _invalidUuid;
        private long _unparsableTimestamp;

        public void Add(LineFacts facts, LineKind kind)
        {
            if (kind == LineKind.Newer && facts.HasFlag(LineFacts.EmptiedTerritories))
            {
                _newerEmptied++;
            }
            Count(facts, LineFacts.NullField, ref _nullField);
            Count(facts, LineFacts.MissingArray, ref _missingArray);
            Count(facts, LineFacts.EmptyArray, ref _emptyArray);
            Count(facts, LineFacts.MissingTags, ref _missingTags);
            Count(facts, LineFacts.NullTags, ref _nullTags);
            Count(facts, LineFacts.EmptyTerritories, ref _emptyTerritories);
            Count(facts, LineFacts.UnknownField, ref _unknownField);
            Count(facts, LineFacts.InvalidUuid, ref _invalidUuid);
            Count(facts, LineFacts.UnparsableTimestamp, ref _unparsableTimestamp);
        }

        public SampleStats ToStats(bool seedWritten) => new()
        {
            Lines = Unique + Duplicates + Older + Newer,
            Bytes = Bytes,
            UniqueKeys = Unique,
            ExactDuplicates = Duplicates,
            OlderVersions = Older,
            NewerVersions = Newer,
            NewerVersionsWithEmptiedTerritories = _newerEmptied,
            SeedRecordWritten = seedWritten,
            LinesWithNullField = _nullField,
            LinesWithMissingArray = _missingArray,
            LinesWithEmptyArray = _emptyArray,
            LinesWithMissingTags = _missingTags,
            LinesWithNullTags = _nullTags,
            LinesWithEmptyTerritories = _emptyTerritories,
            LinesWithUnknownField = _unknownField,
            LinesWithInvalidUuid = _invalidUuid,
            LinesWithUnparsableTimestamp = _unparsableTimestamp,
        };

        private static void Count(LineFacts facts, LineFacts flag, ref long counter)
        {
            if ((facts & flag) != 0)
            {
                counter++;
            }
        }
    }
}
