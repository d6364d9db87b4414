using System.Runtime.ExceptionServices;
using Npgsql;
using SuccessApp.Etl.Flattening;
using SuccessApp.Etl.Schema;

namespace SuccessApp.Etl.Loading;

/// <summary>
/// Writes each chunk over several connections at once. A single PostgreSQL backend runs on one core, and it is the
/// bottleneck of a sync: each connection (a <see cref="WriteLane"/>) writes the records whose key hashes fall in its
/// lane, in its own transaction, while the others write theirs.
/// <para>
/// Order and safety: lanes never touch the same rows (every version of a key, its child rows and its value rejects
/// belong to one lane), so they cannot block each other. The primary lane writes its rows, then waits for the other
/// lanes to commit, and only then saves the chunk's resume position and commits. A position is therefore saved only
/// once every row before it is committed. If a lane fails, the primary rolls back and the run stops; the lanes that
/// did commit are rewritten on the next run from the saved position, which changes nothing (a chunk is idempotent).
/// Each record's rows are still committed together, in its lane's transaction; what another reader can see for a
/// moment is part of a chunk, never part of a record.
/// </para>
/// </summary>
public sealed class LanedWriter : IDisposable
{
    private readonly EntityWriter _primary;
    private readonly LaneThread[] _others;

    private LanedWriter(EntityWriter primary, LaneThread[] others)
    {
        _primary = primary;
        _others = others;
    }

    /// <summary>The number of connections a chunk is written over.</summary>
    public int Lanes => _others.Length + 1;

    /// <summary>Opens <paramref name="lanes"/> connections; the first takes the entity's lock.</summary>
    public static LanedWriter Open(
        NpgsqlDataSource dataSource, EntityDefinition entity, Guid runId, int lanes, bool directInsert,
        Action<int, Exception, TimeSpan>? onRetry, Action<ChunkCommit>? beforeCommit)
    {
        if (lanes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(lanes), lanes, "A sync writes over at least one connection.");
        }
        var primary = EntityWriter.Open(dataSource, entity, runId, onRetry, beforeCommit, new WriteLane(0, lanes));
        primary.DirectInsert = directInsert;
        var others = new List<LaneThread>();
        try
        {
            for (var i = 1; i < lanes; i++)
            {
                var writer = EntityWriter.Open(dataSource, entity, runId, onRetry, lane: new WriteLane(i, lanes));
                writer.DirectInsert = directInsert;
                others.Add(new LaneThread(writer, entity.Name));
            }
        }
        catch
        {
            foreach (var other in others)
            {
                other.Dispose();
            }
            primary.Dispose();
            throw;
        }
        return new LanedWriter(primary, [.. others]);
    }

    /// <summary>Writes one chunk over every lane; returns once all of it is committed, or throws with none of its position saved.</summary>
    public ChunkResult Write(EntityBatch batch, SourcePosition position, CancellationToken stopping)
    {
        if (_others.Length == 0)
        {
            return _primary.Write(batch, position, stopping);
        }
        foreach (var other in _others)
        {
            other.Start(batch, position, stopping);
        }
        ChunkResult primary;
        try
        {
            primary = _primary.Write(batch, position, stopping, beforeState: WaitForOthers);
        }
        finally
        {
            // The batch goes back to the reader after this: no lane may still be reading it, whatever happened here.
            foreach (var other in _others)
            {
                other.WaitQuietly();
            }
        }
        return Combine(primary, _others.Select(o => o.Result));
    }

    /// <summary>Runs inside the primary's transaction (possibly again on a retry): the other lanes' outcome, or their error.</summary>
    private void WaitForOthers()
    {
        foreach (var other in _others)
        {
            other.Finish();
        }
    }

    private static ChunkResult Combine(ChunkResult primary, IEnumerable<ChunkResult> others)
    {
        var rows = primary.RowsPerTable.ToArray();
        long changed = primary.RecordsChanged, rejects = primary.Rejects, direct = primary.DirectRecords;
        var fellBack = primary.FellBackToMerge;
        foreach (var other in others)
        {
            for (var t = 0; t < rows.Length; t++)
            {
                rows[t] += other.RowsPerTable[t];
            }
            changed += other.RecordsChanged;
            rejects += other.Rejects;
            direct += other.DirectRecords;
            fellBack |= other.FellBackToMerge;
        }
        return new ChunkResult(rows.Sum(), rows, changed, rejects) { DirectRecords = direct, FellBackToMerge = fellBack };
    }

    public void Dispose()
    {
        foreach (var other in _others)
        {
            other.Dispose();
        }
        _primary.Dispose();
    }

    /// <summary>
    /// A secondary lane on its own thread: a sync's threads block on the database by design, and the thread pool
    /// would add a thread for them only after a delay.
    /// </summary>
    private sealed class LaneThread : IDisposable
    {
        private readonly EntityWriter _writer;
        private readonly string _entity;
        private readonly Thread _thread;
        // No spinning before blocking: on two cores a spinning waiter takes the CPU from the server it waits for.
        private readonly ManualResetEventSlim _started = new(false, spinCount: 0);
        private readonly ManualResetEventSlim _done = new(true, spinCount: 0);
        private EntityBatch? _batch;
        private SourcePosition _position;
        private CancellationToken _stopping;
        private ChunkResult? _result;
        private ExceptionDispatchInfo? _error;
        private volatile bool _disposed;

        public LaneThread(EntityWriter writer, string entity)
        {
            _writer = writer;
            _entity = entity;
            _thread = new Thread(Run) { IsBackground = true, Name = $"successapp {entity} lane {writer.Lane.Index}" };
            _thread.Start();
        }

        public ChunkResult Result => _result ?? throw new InvalidOperationException("The lane has no result: it failed or was not started.");

        public void Start(EntityBatch batch, SourcePosition position, CancellationToken stopping)
        {
            _done.Reset();
            _batch = batch;
            _position = position;
            _stopping = stopping;
            _result = null;
            _error = null;
            _started.Set();
        }

        /// <summary>Waits for the lane's commit; rethrows its error so the primary rolls back.</summary>
        public void Finish()
        {
            _done.Wait();
            if (_error is { } error)
            {
                if (EntityWriter.IsConnectionLost(error.SourceException))
                {
                    // Not the primary's own connection: it must not retry the chunk as if it were.
                    throw new ChunkWriteException(
                        $"Lane {_writer.Lane.Index} of {_writer.Lane.Count} lost its connection writing a chunk of '{_entity}' ({error.SourceException.Message}).",
                        error.SourceException);
                }
                error.Throw();
            }
        }

        public void WaitQuietly() => _done.Wait();

        private void Run()
        {
            while (true)
            {
                _started.Wait();
                _started.Reset();
                if (_disposed)
                {
                    return;
                }
                try
                {
                    _result = _writer.Write(_batch!, _position, _stopping);
                }
                catch (Exception ex)
                {
                    _error = ExceptionDispatchInfo.Capture(ex);
                }
                finally
                {
                    _batch = null;
                    _done.Set();
                }
            }
        }

        public void Dispose()
        {
            _disposed = true;
            _started.Set();
            _thread.Join();
            _writer.Dispose();
            _started.Dispose();
            _done.Dispose();
        }
    }
}
