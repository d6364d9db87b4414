using SuccessApp.Etl.Flattening;
using SuccessApp.Etl.Loading;
using SuccessApp.Etl.Sources;

namespace SuccessApp.Etl.Pipeline;

/// <summary>How a sync runs. The defaults keep the worker under 150 MB whatever the input size.</summary>
public sealed record SyncOptions
{
    /// <summary>
    /// Records per chunk: one COPY + merge transaction per write connection each. Memory grows with this, not with the
    /// input. 10,000 rather than 5,000 halves the per-chunk statements, commits and hand-offs: a 1M-record sync took
    /// 28.6-32.5 s instead of 37.7-39.9 s (interleaved runs, same server), with peak RSS 142-146 MB instead of 117 MB
    /// (with the 24 MiB dedup cache of then; 6 MiB since).
    /// </summary>
    public int ChunkSize { get; init; } = DefaultChunkSize;

    public const int DefaultChunkSize = 10_000;

    /// <summary>A chunk is also closed when its text passes this many bytes, so very large records keep memory flat.</summary>
    public int MaxChunkTextBytes { get; init; } = 32 * 1024 * 1024;

    /// <summary>Entries of the cross-chunk cache of committed records (24 bytes each): exact duplicates and older versions.</summary>
    public int RecentRecordEntries { get; init; } = RecentRecordCache.DefaultEntries;

    /// <summary>Ignore the saved position and read the whole source again (the merge keeps that idempotent).</summary>
    public bool FullRefresh { get; init; }

    public RecordFramerOptions Framer { get; init; } = new();

    /// <summary>
    /// Rows of records whose keys are not stored yet are copied straight into the tables; off, every row goes
    /// through staging and the merge (same result, the server does about twice the work).
    /// </summary>
    public bool DirectInsert { get; init; } = true;

    /// <summary>
    /// Connections each chunk is written over, its records split between them by key (see <see cref="LanedWriter"/>).
    /// A PostgreSQL backend uses one core and is a sync's bottleneck; two connections let the server use two.
    /// </summary>
    public int WriteConnections { get; init; } = DefaultWriteConnections;

    public const int DefaultWriteConnections = 2;

    /// <summary>Called before a chunk is retried after a lost connection: attempt, error, wait.</summary>
    public Action<int, Exception, TimeSpan>? OnRetry { get; init; }

    /// <summary>Runs inside each chunk's transaction before it commits (see <see cref="EntityWriter.BeforeCommit"/>).</summary>
    public Action<ChunkCommit>? BeforeCommit { get; init; }

    /// <summary>Called after every committed chunk (from the writer's thread).</summary>
    public Action<SyncProgress>? Progress { get; init; }
}

/// <summary>Running totals for progress lines.</summary>
public sealed record SyncProgress(string Entity, long RecordsRead, long BytesRead, long RowsWritten, long Duplicates, long Rejects, TimeSpan Elapsed)
{
    /// <summary>Records the source says it holds (an API page's total), for percent and ETA; null when unknown.</summary>
    public long? TotalRecords { get; init; }
}
