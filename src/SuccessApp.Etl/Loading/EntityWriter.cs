using System.Text;
using System.Text.Unicode;
using Npgsql;
using SuccessApp.Etl.Flattening;
using SuccessApp.Etl.Postgres;
using SuccessApp.Etl.Schema;

namespace SuccessApp.Etl.Loading;

/// <summary>Where a chunk leaves its source: committed in the same transaction as the chunk's rows.</summary>
public readonly record struct SourcePosition(string Source, string Checkpoint, bool Completed, string? MaxCursor);

/// <summary>
/// A chunk's transaction just before it commits: the rows, rejects (still also in the session's
/// <c>_stage_rejects</c>) and position are written. <see cref="Previous"/> is the last committed position of this
/// writer, null for its first chunk.
/// </summary>
public sealed record ChunkCommit(NpgsqlConnection Connection, NpgsqlTransaction Transaction, SourcePosition? Previous, SourcePosition Position);

/// <summary>What one committed chunk did.</summary>
public sealed record ChunkResult(long RowsWritten, IReadOnlyList<long> RowsPerTable, long RecordsChanged, long Rejects)
{
    /// <summary>Records whose keys were new, copied straight into the tables rather than merged.</summary>
    public long DirectRecords { get; init; }

    /// <summary>The direct copy met a key stored meanwhile by another writer, and the chunk was merged instead.</summary>
    public bool FellBackToMerge { get; init; }
}

/// <summary>The database could not be written to, even after retrying; committed chunks are kept.</summary>
public sealed class ChunkWriteException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Writes the chunks of one entity (or of one <see cref="WriteLane"/> of them) over one connection: binary COPY of
/// every table into session temp tables, then one transaction that merges, replaces child sets, stores rejects and
/// (on the primary lane) records the resume position. A failure rolls the chunk's transaction back; nothing of it is
/// ever visible. A lost connection (backend terminated, server
/// restarted, network cut) is retried on a new connection with the same chunk, which is safe because a chunk is
/// idempotent: if its commit did land before the connection died, the retry changes nothing. Synchronous on
/// purpose: this is CPU- and network-bound bulk work on its own thread.
/// </summary>
public sealed class EntityWriter : IDisposable
{
    /// <summary>Waits between attempts: about a minute in all, enough for a server restart or a failover.</summary>
    public static readonly IReadOnlyList<TimeSpan> RetryDelays =
        [TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(16), TimeSpan.FromSeconds(30)];

    private readonly NpgsqlDataSource _dataSource;
    private readonly EntityDefinition _entity;
    private readonly Guid _runId;
    private readonly byte[] _scratch = new byte[1024];
    private readonly string _keepRejectsSql;
    private readonly DirectSql? _direct;
    private readonly List<int> _existing = [];
    private NpgsqlConnection? _connection;
    private bool _stagingReady;
    private SourcePosition? _lastCommitted;

    private EntityWriter(NpgsqlDataSource dataSource, EntityDefinition entity, Guid runId)
    {
        _dataSource = dataSource;
        _entity = entity;
        _runId = runId;
        var keyText = string.Join(" || '|' || ", entity.Root.Columns.Where(c => c.IsKey).Select(c => "a." + Quote(c.Name) + "::text"));
        _keepRejectsSql = string.Format(System.Globalization.CultureInfo.InvariantCulture, RuntimeSchema.KeepRejects, Quote(entity.AcceptedTable), keyText);
        _direct = DirectSql.For(entity);
    }

    /// <summary>
    /// The SQL of the direct route: the chunk's keys go into a small session table, the database answers which it
    /// already holds, and the rows of the others are copied straight into the tables instead of through staging and
    /// the merge (they cannot conflict with anything stored, so the merge would only have inserted them).
    /// </summary>
    private sealed record DirectSql(string CreateKeys, string CopyKeys, string FindExisting, string AcceptDirect, IReadOnlyList<string> CopyToTable)
    {
        private const string KeysTable = "\"_successapp_keys\"";

        /// <summary>Null when a column's type in the table differs from its staging type (their binary forms could too).</summary>
        public static DirectSql? For(EntityDefinition entity)
        {
            var copies = new List<string>();
            foreach (var table in entity.Tables)
            {
                var staging = "COPY " + Quote(table.StagingName) + " (";
                if (!table.CopyToStagingSql.StartsWith(staging, StringComparison.Ordinal)
                    || table.Columns.Any(c => c.Role != ColumnRole.LoadedAt && !string.Equals(c.PgType, c.StagingType, StringComparison.Ordinal)))
                {
                    return null;
                }
                copies.Add("COPY " + Quote(table.Name) + table.CopyToStagingSql[(staging.Length - 2)..]);
            }
            var keys = entity.Root.Columns.Where(c => c.IsKey).ToList();
            var names = string.Join(", ", keys.Select(k => Quote(k.Name)));
            return new DirectSql(
                $"CREATE TEMP TABLE IF NOT EXISTS {KeysTable} (\"_ord\" integer, {string.Join(", ", keys.Select(k => Quote(k.Name) + " " + k.StagingType))}) ON COMMIT DELETE ROWS",
                $"COPY {KeysTable} (\"_ord\", {names}) FROM STDIN (FORMAT BINARY)",
                FindExistingSql(entity, keys),
                $"INSERT INTO {Quote(entity.AcceptedTable)} ({names}, \"_inserted\") SELECT {names}, true FROM {KeysTable}",
                copies);
        }

        /// <summary>
        /// Removes the stored keys from the chunk's keys and returns their records. With one key column the stored keys
        /// are looked up in the table's key index (<c>= ANY(ARRAY(...))</c>); a join would be planned as a scan of the
        /// whole table, whose cost grows chunk after chunk.
        /// </summary>
        private static string FindExistingSql(EntityDefinition entity, IReadOnlyList<ColumnDefinition> keys)
        {
            var table = Quote(entity.Root.Name);
            if (keys.Count == 1)
            {
                var key = Quote(keys[0].Name);
                return $"DELETE FROM {KeysTable} k USING (SELECT t.{key} FROM {table} t WHERE t.{key} = ANY (ARRAY(SELECT {key} FROM {KeysTable}))) e WHERE k.{key} = e.{key} RETURNING k.\"_ord\"";
            }
            return $"DELETE FROM {KeysTable} k USING {table} t WHERE {string.Join(" AND ", keys.Select(k => $"t.{Quote(k.Name)} = k.{Quote(k.Name)}"))} RETURNING k.\"_ord\"";
        }
    }

    /// <summary>
    /// Copy the rows of records with new keys straight into the tables (default). Off: every row goes through staging
    /// and the merge. A chunk whose direct copy meets a key written meanwhile by someone else is written again with
    /// the merge alone.
    /// </summary>
    public bool DirectInsert { get; set; } = true;

    /// <summary>
    /// Opens the writing connection. The primary lane takes the entity's lock (another worker on it is an error); the
    /// other lanes of the same run write under it.
    /// </summary>
    public static EntityWriter Open(
        NpgsqlDataSource dataSource, EntityDefinition entity, Guid runId, Action<int, Exception, TimeSpan>? onRetry,
        Action<ChunkCommit>? beforeCommit = null, WriteLane? lane = null)
    {
        var writer = new EntityWriter(dataSource, entity, runId) { OnRetry = onRetry, BeforeCommit = beforeCommit, Lane = lane ?? WriteLane.All };
        writer._connection = dataSource.OpenConnection();
        try
        {
            if (writer.Lane.IsPrimary)
            {
                EntityLock.Acquire(writer._connection, entity.Name);
            }
        }
        catch
        {
            writer.Dispose();
            throw;
        }
        return writer;
    }

    /// <summary>Which of a chunk's records this writer writes (<see cref="WriteLane.All"/>: every one).</summary>
    public WriteLane Lane { get; private init; } = WriteLane.All;

    /// <summary>The connection the writer holds (it carries the entity lock and the staging tables).</summary>
    public NpgsqlConnection Connection => _connection ?? throw new ObjectDisposedException(nameof(EntityWriter));

    /// <summary>Called before each retry with the attempt number, the error and the wait.</summary>
    public Action<int, Exception, TimeSpan>? OnRetry { get; init; }

    /// <summary>
    /// Runs inside every chunk's transaction, after its rows, rejects and position are written and before the
    /// commit, so whatever it writes commits or rolls back with the chunk (and runs again if the chunk is retried).
    /// </summary>
    public Action<ChunkCommit>? BeforeCommit { get; init; }

    /// <summary>
    /// Writes the lane's part of a chunk in one transaction, retrying on a new connection when the connection is lost.
    /// <paramref name="beforeState"/> runs on the primary lane once its rows are written and before the position is
    /// saved: it waits for the other lanes to commit theirs, so a saved position never runs ahead of a lane's rows.
    /// </summary>
    public ChunkResult Write(EntityBatch batch, SourcePosition position, CancellationToken stopping = default, Action? beforeState = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                try
                {
                    return WriteOnce(batch, position, DirectInsert && _direct is not null, beforeState);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && DirectInsert && _direct is not null)
                {
                    // A key that was not in the table when asked was there by the time its rows were copied (a writer
                    // outside this worker): the chunk rolled back, and the merge handles any key.
                    return WriteOnce(batch, position, direct: false, beforeState) with { FellBackToMerge = true };
                }
            }
            catch (Exception ex) when (IsConnectionLost(ex) && attempt < RetryDelays.Count)
            {
                var delay = RetryDelays[attempt];
                OnRetry?.Invoke(attempt + 1, ex, delay);
                if (stopping.WaitHandle.WaitOne(delay))
                {
                    throw new OperationCanceledException("Stopped while waiting to retry a chunk; committed chunks are kept.", ex, stopping);
                }
                Reconnect();
            }
            catch (Exception ex) when (IsConnectionLost(ex))
            {
                throw new ChunkWriteException(
                    $"Lost the connection to PostgreSQL while writing a chunk of '{_entity.Name}' and could not write it after {RetryDelays.Count} retries over " +
                    $"{RetryDelays.Sum(d => d.TotalSeconds):0} s ({ex.Message}). Every chunk committed before it is kept; run sync again to resume after them.", ex);
            }
        }
    }

    /// <summary>Errors after which the same chunk can be written again on a new connection.</summary>
    public static bool IsConnectionLost(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState is "57P01" or "57P02" or "57P03" or "08000" or "08003" or "08006" or "53300",
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or System.Net.Sockets.SocketException or TimeoutException,
        IOException or System.Net.Sockets.SocketException => true,
        InvalidOperationException when ex.Message.Contains("connection", StringComparison.OrdinalIgnoreCase) => true,
        _ => false,
    };

    private void Reconnect()
    {
        try
        {
            _connection?.Dispose();
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException)
        {
            // Closing a broken connection may fail too; it is being replaced either way.
        }
        _connection = null;
        _stagingReady = false;
        try
        {
            var connection = _dataSource.OpenConnection();
            if (Lane.IsPrimary)
            {
                EntityLock.Acquire(connection, _entity.Name);
            }
            _connection = connection;
        }
        catch (Exception ex) when (IsConnectionLost(ex) || ex is EntityBusyException)
        {
            // The next attempt fails fast on the missing connection and waits again.
        }
    }

    private ChunkResult WriteOnce(EntityBatch batch, SourcePosition position, bool direct, Action? beforeState)
    {
        if (_connection is null)
        {
            throw new NpgsqlException("Not connected to PostgreSQL (reconnecting).", new IOException("no connection"));
        }
        using var transaction = Connection.BeginTransaction();
        if (!_stagingReady)
        {
            foreach (var table in _entity.Tables)
            {
                Execute(table.CreateStagingSql, transaction);
            }
            Execute(RuntimeSchema.CreateRejectStaging, transaction);
            if (_direct is not null)
            {
                Execute(_direct.CreateKeys, transaction);
            }
        }

        if (direct)
        {
            RouteByExistingKeys(batch, transaction);
        }
        else
        {
            batch.RouteAllStaged(Lane);
        }
        var rows = new long[_entity.Tables.Count];
        foreach (var table in _entity.Tables)
        {
            rows[table.Index] = Copy(batch, table.Index, table.CopyToStagingSql, RowRoute.Staged);
            if (direct)
            {
                rows[table.Index] += Copy(batch, table.Index, _direct!.CopyToTable[table.Index], RowRoute.Direct);
            }
        }

        Execute(_entity.MergeSql, transaction);
        if (direct)
        {
            Execute(_direct!.AcceptDirect, transaction);
        }
        long changed;
        using (var count = new NpgsqlCommand($"SELECT count(*) FROM {Quote(_entity.AcceptedTable)}", Connection, transaction))
        {
            changed = (long)count.ExecuteScalar()!;
        }

        long rejects = 0;
        if (WriteRejects(batch, position.Source) > 0)
        {
            using var keep = new NpgsqlCommand(_keepRejectsSql, Connection, transaction);
            rejects = keep.ExecuteNonQuery();
        }
        if (Lane.IsPrimary)
        {
            beforeState?.Invoke();
            SaveState(position, transaction);
            BeforeCommit?.Invoke(new ChunkCommit(Connection, transaction, _lastCommitted, position));
        }
        transaction.Commit();
        _stagingReady = true;
        _lastCommitted = position;
        return new ChunkResult(rows.Sum(), rows, changed, rejects) { DirectRecords = direct ? batch.CountRows(0, RowRoute.Direct, Lane) : 0 };
    }

    /// <summary>Whole-record rejects belong to the primary lane; a value reject to the lane of its record.</summary>
    private bool OwnsReject(EntityBatch batch, in RejectRow reject) =>
        Lane.Count <= 1 || (reject.Whole || reject.Record < 0 ? Lane.IsPrimary : Lane.Owns(batch.KeyHashOf(reject.Record)));

    /// <summary>Copies the table's rows of one route (nothing when it has none); returns the rows written.</summary>
    private long Copy(EntityBatch batch, int table, string copySql, RowRoute route)
    {
        if (batch.CountRows(table, route, Lane) == 0)
        {
            return 0;
        }
        using var stream = Connection.BeginRawBinaryCopy(copySql);
        using var writer = new PgBinaryCopyWriter(stream);
        writer.WriteHeader();
        batch.WriteRows(table, writer, route, Lane);
        writer.WriteTrailer();
        writer.Flush();
        return writer.RowsWritten;
    }

    /// <summary>Sends the chunk's keys; the records whose keys the table already holds are merged, the others copied in.</summary>
    private void RouteByExistingKeys(EntityBatch batch, NpgsqlTransaction transaction)
    {
        using (var stream = Connection.BeginRawBinaryCopy(_direct!.CopyKeys))
        using (var writer = new PgBinaryCopyWriter(stream))
        {
            writer.WriteHeader();
            batch.WriteKeys(writer, Lane);
            writer.WriteTrailer();
            writer.Flush();
        }
        _existing.Clear();
        using (var command = new NpgsqlCommand(_direct.FindExisting, Connection, transaction))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                _existing.Add(reader.GetInt32(0));
            }
        }
        batch.RouteDirect(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_existing), Lane);
    }

    /// <summary>Stages the lane's rejects of the chunk; returns how many.</summary>
    private int WriteRejects(EntityBatch batch, string source)
    {
        var count = 0;
        foreach (ref readonly var reject in batch.Context.Rejects.AsSpan())
        {
            count += OwnsReject(batch, in reject) ? 1 : 0;
        }
        if (count == 0)
        {
            return 0;
        }
        var arena = batch.Context.Arena;
        using var stream = Connection.BeginRawBinaryCopy(RuntimeSchema.CopyRejects);
        using var writer = new PgBinaryCopyWriter(stream);
        writer.WriteHeader();
        foreach (ref readonly var reject in batch.Context.Rejects.AsSpan())
        {
            if (!OwnsReject(batch, in reject))
            {
                continue;
            }
            writer.StartRow(11);
            writer.WriteUuid(_runId);
            WriteString(writer, _entity.Name);
            WriteString(writer, reject.Table);
            WriteSlice(writer, arena, reject.Key);
            WriteSlice(writer, arena, reject.Path);
            var raw = arena[reject.Raw];
            if (Utf8.IsValid(raw) && raw.IndexOf((byte)0) < 0)
            {
                writer.WriteText(raw);
                writer.WriteNull();
            }
            else
            {
                // Not storable as text: a readable copy in raw_value, the exact bytes in raw_bytes.
                var readable = Encoding.UTF8.GetString(raw).Replace('\0', '\uFFFD');
                WriteString(writer, readable);
                writer.WriteText(raw);
            }
            WriteString(writer, reject.Expected);
            WriteString(writer, reject.Reason);
            writer.WriteBoolean(reject.Whole);
            WriteString(writer, source);
        }
        writer.WriteTrailer();
        writer.Flush();
        return count;
    }

    private void WriteString(PgBinaryCopyWriter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteNull();
            return;
        }
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var buffer = max <= _scratch.Length ? _scratch : new byte[max];
        var length = Encoding.UTF8.GetBytes(value, buffer);
        writer.WriteText(buffer.AsSpan(0, length));
    }

    private static void WriteSlice(PgBinaryCopyWriter writer, Utf8Arena arena, Utf8Slice slice)
    {
        if (slice.IsNull)
        {
            writer.WriteNull();
        }
        else
        {
            writer.WriteText(arena[slice]);
        }
    }

    private void SaveState(SourcePosition position, NpgsqlTransaction transaction)
    {
        using var command = new NpgsqlCommand(RuntimeSchema.SaveState, Connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _entity.Name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = position.Source });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = position.Checkpoint });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = position.Completed });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)position.MaxCursor ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = _runId });
        command.ExecuteNonQuery();
    }

    private void Execute(string sql, NpgsqlTransaction transaction)
    {
        using var command = new NpgsqlCommand(sql, Connection, transaction);
        command.ExecuteNonQuery();
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public void Dispose()
    {
        if (_connection is { State: System.Data.ConnectionState.Open } connection && Lane.IsPrimary)
        {
            try
            {
                // Released here rather than when the session ends: a pooled connection keeps its session (and the
                // lock) until it is reused or pruned, and a closed one's backend exits a moment later, so another
                // run started meanwhile would find the entity busy.
                EntityLock.Release(connection, _entity.Name);
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException)
            {
                // A broken connection: its session ends with it, and the lock with the session.
            }
        }
        _connection?.Dispose();
        _connection = null;
    }
}
