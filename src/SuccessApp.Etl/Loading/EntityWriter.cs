using System.Text;
using System.Text.Unicode;
using Npgsql;
using SuccessApp.Etl.Flattening;
using SuccessApp.Etl.Postgres;
using SuccessApp.Etl.Schema;

namespace SuccessApp.Etl.Loading;

/// <summary>Where a chunk leaves its source: committed in the same transaction as the chunk's rows.</summary>
public readonly record struct SourcePosition(string Source, string Checkpoint, bool Completed, string? MaxCursor);

/// <summary>What one committed chunk did.</summary>
public sealed record ChunkResult(long RowsWritten, IReadOnlyList<long> RowsPerTable, long RecordsChanged, long Rejects);

/// <summary>
/// Writes the chunks of one entity over one connection: binary COPY of every table into session temp tables, then
/// one transaction that merges, replaces child sets, stores rejects and records the resume position. A failure
/// rolls the whole chunk back; nothing of it is ever visible. Synchronous on purpose: this is CPU- and
/// network-bound bulk work on its own thread.
/// </summary>
public sealed class EntityWriter : IDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly EntityDefinition _entity;
    private readonly Guid _runId;
    private readonly byte[] _scratch = new byte[1024];
    private readonly string _keepRejectsSql;
    private bool _stagingReady;

    public EntityWriter(NpgsqlConnection connection, EntityDefinition entity, Guid runId)
    {
        _connection = connection;
        _entity = entity;
        _runId = runId;
        var keyText = string.Join(" || '|' || ", entity.Root.Columns.Where(c => c.IsKey).Select(c => "a." + Quote(c.Name) + "::text"));
        _keepRejectsSql = string.Format(System.Globalization.CultureInfo.InvariantCulture, RuntimeSchema.KeepRejects, Quote(entity.AcceptedTable), keyText);
    }

    public ChunkResult Write(EntityBatch batch, SourcePosition position)
    {
        using var transaction = _connection.BeginTransaction();
        if (!_stagingReady)
        {
            foreach (var table in _entity.Tables)
            {
                Execute(table.CreateStagingSql, transaction);
            }
            Execute(RuntimeSchema.CreateRejectStaging, transaction);
        }

        var rows = new long[_entity.Tables.Count];
        foreach (var table in _entity.Tables)
        {
            if (batch.CountRows(table.Index) == 0)
            {
                continue;
            }
            using var stream = _connection.BeginRawBinaryCopy(table.CopyToStagingSql);
            using (var writer = new PgBinaryCopyWriter(stream))
            {
                writer.WriteHeader();
                batch.WriteRows(table.Index, writer);
                writer.WriteTrailer();
                writer.Flush();
                rows[table.Index] = writer.RowsWritten;
            }
        }

        Execute(_entity.MergeSql, transaction);
        long changed;
        using (var count = new NpgsqlCommand($"SELECT count(*) FROM {Quote(_entity.AcceptedTable)}", _connection, transaction))
        {
            changed = (long)count.ExecuteScalar()!;
        }

        long rejects = 0;
        if (batch.Context.Rejects.Count > 0)
        {
            WriteRejects(batch, position.Source);
            using var keep = new NpgsqlCommand(_keepRejectsSql, _connection, transaction);
            rejects = keep.ExecuteNonQuery();
        }
        SaveState(position, transaction);
        transaction.Commit();
        _stagingReady = true;
        return new ChunkResult(rows.Sum(), rows, changed, rejects);
    }

    private void WriteRejects(EntityBatch batch, string source)
    {
        var arena = batch.Context.Arena;
        using var stream = _connection.BeginRawBinaryCopy(RuntimeSchema.CopyRejects);
        using var writer = new PgBinaryCopyWriter(stream);
        writer.WriteHeader();
        foreach (ref readonly var reject in batch.Context.Rejects.AsSpan())
        {
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
        using var command = new NpgsqlCommand(RuntimeSchema.SaveState, _connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _entity.Name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = position.Source });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = position.Checkpoint });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = position.Completed });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)position.MaxCursor ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = _runId });
        command.ExecuteNonQuery();
    }

    /// <summary>Marks a source finished without writing rows (e.g. the last chunk was empty).</summary>
    public void Complete(SourcePosition position)
    {
        using var transaction = _connection.BeginTransaction();
        SaveState(position, transaction);
        transaction.Commit();
    }

    private void Execute(string sql, NpgsqlTransaction transaction)
    {
        using var command = new NpgsqlCommand(sql, _connection, transaction);
        command.ExecuteNonQuery();
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public void Dispose()
    {
    }
}
