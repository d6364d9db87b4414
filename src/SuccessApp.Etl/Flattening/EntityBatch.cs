using System.Buffers.Text;
using SuccessApp.Etl.Postgres;
using SuccessApp.Etl.Schema;

namespace SuccessApp.Etl.Flattening;

/// <summary>Which of a chunk's rows to write: all of them, those merged from staging, or those copied straight in.</summary>
public enum RowRoute
{
    All,
    Staged,
    Direct,
}

/// <summary>
/// One of the connections a chunk's writing is split over. Records are divided by key hash, so every version of a key,
/// its child rows and its value rejects are always written by the same lane, and two lanes never touch the same
/// rows. <see cref="All"/> is the single lane that owns everything.
/// </summary>
public readonly record struct WriteLane(int Index, int Count)
{
    public static WriteLane All => new(0, 1);

    /// <summary>The lane that also writes whole-record rejects and the resume position, and commits last.</summary>
    public bool IsPrimary => Index == 0;

    /// <summary>Whether the record with this key hash is written by this lane (high bits: the low ones pick cache slots).</summary>
    public bool Owns(ulong keyHash) => Count <= 1 || (int)((keyHash >> 32) % (uint)Count) == Index;
}

/// <summary>What happened to one record offered to a batch.</summary>
public enum RecordOutcome
{
    /// <summary>Flattened into the batch's rows.</summary>
    Accepted,

    /// <summary>An exact duplicate of a record already in this chunk or recently committed: dropped.</summary>
    Duplicate,

    /// <summary>Older (by cursor) than a version of the same key already in this chunk: dropped.</summary>
    Stale,

    /// <summary>Could not be loaded at all (malformed JSON, missing key): kept whole in rejects.</summary>
    Rejected,
}

/// <summary>Per-chunk counts a batch keeps; the pipeline adds them up per run.</summary>
public struct BatchCounters
{
    public long Records;
    public long Accepted;
    public long Duplicates;
    public long Stale;

    /// <summary>Accepted records later replaced in the same chunk by a newer version of their key.</summary>
    public long Superseded;
    public long Rejected;
    public long DuplicateElements;
}

/// <summary>
/// The rows of one chunk of one entity. The generated subclass holds a <see cref="RowBuffer{T}"/> per table and the
/// flattener; this base holds the shared state. A batch is reused for every chunk: <see cref="Clear"/> keeps its
/// buffers, so steady-state flattening allocates nothing.
/// </summary>
public abstract class EntityBatch : IDisposable
{
    protected EntityBatch(int maxDepth)
    {
        Context = new FlattenContext(maxDepth);
    }

    public abstract EntityDefinition Definition { get; }

    public FlattenContext Context { get; }

    public BatchCounters Counters;

    /// <summary>
    /// Exact duplicates of records committed by earlier chunks are dropped before they are written when this is set;
    /// the database's hash comparison catches what the bounded cache has forgotten.
    /// </summary>
    public RecentRecordCache? Recent { get; set; }

    /// <summary>Records held (accepted, not superseded).</summary>
    public abstract int LiveRecords { get; }

    /// <summary>Flattens one record's JSON into the batch, deduplicating as it goes.</summary>
    public abstract RecordOutcome Add(ReadOnlySpan<byte> record);

    /// <summary>Rows that will be written for a table (superseded records excluded).</summary>
    public int CountRows(int table) => CountRows(table, RowRoute.All, WriteLane.All);

    /// <summary>Rows of a table on one route (superseded records excluded).</summary>
    public int CountRows(int table, RowRoute route) => CountRows(table, route, WriteLane.All);

    /// <summary>Rows of a table on one route that one lane writes (superseded records excluded).</summary>
    public abstract int CountRows(int table, RowRoute route, WriteLane lane);

    /// <summary>Writes the table's live rows in binary COPY format, columns in staging order.</summary>
    public void WriteRows(int table, PgBinaryCopyWriter writer) => WriteRows(table, writer, RowRoute.All, WriteLane.All);

    /// <summary>
    /// Writes the table's live rows of the lane's records on one route, in binary COPY format, columns in staging
    /// order. Lanes only read the batch, so they may write it at the same time.
    /// </summary>
    public abstract void WriteRows(int table, PgBinaryCopyWriter writer, RowRoute route, WriteLane lane);

    /// <summary>
    /// Writes one COPY row per live record of the lane: its index in the chunk (int4), then its primary key columns,
    /// so the database can say which keys it already holds.
    /// </summary>
    public abstract void WriteKeys(PgBinaryCopyWriter writer, WriteLane lane);

    /// <summary>
    /// Routes the rows of every live record of the lane straight into the tables, except the records at
    /// <paramref name="existing"/> (indexes written by <see cref="WriteKeys"/>), whose keys the tables already hold:
    /// those are merged. Touches only the lane's records, so lanes may route at the same time.
    /// </summary>
    public abstract void RouteDirect(ReadOnlySpan<int> existing, WriteLane lane);

    /// <summary>Every record of the lane goes through staging and the merge (the state after <see cref="Add"/>).</summary>
    public abstract void RouteAllStaged(WriteLane lane);

    /// <summary>The key hash of the record at this index (its root row), which decides its lane.</summary>
    public abstract ulong KeyHashOf(int record);

    /// <summary>Adds this chunk's live records to <see cref="Recent"/>, so later chunks drop their exact duplicates.</summary>
    public abstract void RememberCommitted();

    /// <summary>Empties the batch for the next chunk, keeping every buffer.</summary>
    public virtual void Clear()
    {
        Context.Reset();
        Counters = default;
        _maxCursor = null;
        _maxCursorText = null;
    }

    private long? _maxCursor;
    private CursorKind _cursorKind;
    private string? _maxCursorText;

    private enum CursorKind
    {
        Timestamp,
        Date,
        Integer,
    }

    /// <summary>
    /// The newest cursor among the chunk's accepted records, as sortable text (ISO 8601 UTC, or a zero-padded
    /// integer), for the next incremental request; null when the entity has no cursor or no record had one.
    /// </summary>
    public string? MaxCursor => _maxCursorText ??= _maxCursor is not { } value ? null : _cursorKind switch
    {
        CursorKind.Timestamp => new DateTime(value, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture),
        CursorKind.Date => DateOnly.FromDayNumber((int)value).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString("D20", System.Globalization.CultureInfo.InvariantCulture),
    };

    protected void ObserveCursor(DateTime? value) => Observe(value?.Ticks, CursorKind.Timestamp);

    protected void ObserveCursor(DateOnly? value) => Observe(value?.DayNumber, CursorKind.Date);

    protected void ObserveCursor(long? value) => Observe(value, CursorKind.Integer);

    private void Observe(long? value, CursorKind kind)
    {
        if (value is { } v && (_maxCursor is not { } max || v > max))
        {
            _maxCursor = v;
            _cursorKind = kind;
            _maxCursorText = null;
        }
    }

    /// <summary>Keeps a record that could not be framed or parsed, whole, in rejects.</summary>
    public void RejectRecord(ReadOnlySpan<byte> raw, string reason)
    {
        Counters.Records++;
        Counters.Rejected++;
        Context.Record = -1;
        var mark = Context.PathLength;
        Context.PathLength = 1;
        Context.Reject(Definition.Root.Name, default, raw, "record", reason, whole: true);
        Context.PathLength = mark;
    }

    /// <summary>Writes key values as text (<c>a|b</c>) into the arena, for rejects.</summary>
    protected static void AppendKeyPart(Utf8Arena arena, Guid? value, bool first)
    {
        var span = arena.Reserve(37);
        var at = Separator(span, first);
        if (value is { } v)
        {
            Utf8Formatter.TryFormat(v, span[at..], out var written);
            at += written;
        }
        arena.Commit(at);
    }

    protected static void AppendKeyPart(Utf8Arena arena, long? value, bool first)
    {
        var span = arena.Reserve(21);
        var at = Separator(span, first);
        if (value is { } v)
        {
            Utf8Formatter.TryFormat(v, span[at..], out var written);
            at += written;
        }
        arena.Commit(at);
    }

    protected static void AppendKeyPart(Utf8Arena arena, Utf8Slice value, bool first)
    {
        var length = value.IsNull ? 0 : value.Length;
        var span = arena.Reserve(length + 1);
        var at = Separator(span, first);
        arena[value].CopyTo(span[at..]);
        arena.Commit(at + length);
    }

    protected static void AppendKeyPart(Utf8Arena arena, DateTime? value, bool first)
    {
        var span = arena.Reserve(34);
        var at = Separator(span, first);
        if (value is { } v)
        {
            Utf8Formatter.TryFormat(v, span[at..], out var written, new System.Buffers.StandardFormat('O'));
            at += written;
        }
        arena.Commit(at);
    }

    protected static void AppendKeyPart(Utf8Arena arena, DateOnly? value, bool first) =>
        AppendKeyPart(arena, value is { } v ? v.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) : null, first);

    protected static void AppendKeyPart(Utf8Arena arena, bool? value, bool first)
    {
        var span = arena.Reserve(6);
        var at = Separator(span, first);
        if (value is { } v)
        {
            (v ? "true"u8 : "false"u8).CopyTo(span[at..]);
            at += v ? 4 : 5;
        }
        arena.Commit(at);
    }

    private static int Separator(Span<byte> span, bool first)
    {
        if (first)
        {
            return 0;
        }
        span[0] = (byte)'|';
        return 1;
    }

    public virtual void Dispose()
    {
        Context.Dispose();
        GC.SuppressFinalize(this);
    }
}
