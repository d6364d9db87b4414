using System.Buffers.Text;

namespace SuccessApp.Etl.Flattening;

/// <summary>
/// What the generated flatteners share while filling one chunk: the text arena, the rejects, the unknown-field
/// buffers and counters, and the JSON path of the object being read (kept as bytes, built only by appending).
/// One context serves one batch; <see cref="Reset"/> makes it ready for the next chunk without freeing anything.
/// </summary>
public sealed class FlattenContext : IDisposable
{
    private readonly ExtraBuilder[] _extras;
    private readonly ElementIndex[] _elementSets;
    private byte[] _path = new byte[256];

    public FlattenContext(int maxTableDepth = 4, int arenaBytes = 1 << 20)
    {
        Arena = new Utf8Arena(arenaBytes);
        _extras = new ExtraBuilder[maxTableDepth + 1];
        _elementSets = new ElementIndex[maxTableDepth + 1];
        for (var i = 0; i <= maxTableDepth; i++)
        {
            _extras[i] = new ExtraBuilder();
            _elementSets[i] = new ElementIndex();
        }
        _path[0] = (byte)'$';
        PathLength = 1;
    }

    public Utf8Arena Arena { get; }

    public RowBuffer<RejectRow> Rejects { get; } = new(64);

    public FieldDriftTracker Drift { get; } = new();

    public ContentHasher Hasher { get; } = new();

    /// <summary>Index of the record being read within the chunk; stamped on its rejects.</summary>
    public int Record { get; set; }

    /// <summary><c>\u0000</c> characters removed from text (PostgreSQL text cannot hold them).</summary>
    public long NulCharactersStripped { get; set; }

    /// <summary>Text values whose invalid UTF-8 was replaced with U+FFFD (the original went to rejects).</summary>
    public long InvalidUtf8Replaced { get; set; }

    public int PathLength { get; set; }

    public ReadOnlySpan<byte> Path => _path.AsSpan(0, PathLength);

    public ExtraBuilder Extra(int depth) => _extras[depth];

    /// <summary>The set used to drop exact duplicate elements of the array being read at this table depth.</summary>
    public ElementIndex Elements(int depth) => _elementSets[depth];

    /// <summary>Appends a constant segment (<c>.territories</c>) to the current path and returns the length before it.</summary>
    public int PushPath(ReadOnlySpan<byte> segment)
    {
        var mark = PathLength;
        EnsurePath(segment.Length);
        segment.CopyTo(_path.AsSpan(PathLength));
        PathLength += segment.Length;
        return mark;
    }

    /// <summary>Sets the path to <c>base[index]</c>, replacing the previous element's index.</summary>
    public void SetIndex(int baseLength, int index)
    {
        PathLength = baseLength;
        EnsurePath(13);
        var span = _path.AsSpan(PathLength);
        span[0] = (byte)'[';
        Utf8Formatter.TryFormat(index, span[1..], out var written);
        span[written + 1] = (byte)']';
        PathLength += written + 2;
    }

    public void PopPath(int mark) => PathLength = mark;

    /// <summary>Records a value that could not be loaded into its column; the row loads with NULL there.</summary>
    public void Reject(string table, ReadOnlySpan<byte> relativePath, ReadOnlySpan<byte> raw, string expected, string reason, bool whole = false)
    {
        ref var reject = ref Rejects.Add();
        reject.Table = table;
        reject.Record = Record;
        reject.Key = Utf8Slice.Null;
        var pathTarget = Arena.Reserve(PathLength + relativePath.Length);
        Path.CopyTo(pathTarget);
        relativePath.CopyTo(pathTarget[PathLength..]);
        reject.Path = Arena.Commit(PathLength + relativePath.Length);
        reject.Raw = Arena.Append(raw);
        reject.Expected = expected;
        reject.Reason = reason;
        reject.Whole = whole;
    }

    /// <summary>Stamps the record key on every reject of the current record from <paramref name="firstReject"/> on.</summary>
    public void SetRejectKeys(int firstReject, Utf8Slice key)
    {
        for (var i = firstReject; i < Rejects.Count; i++)
        {
            Rejects[i].Key = key;
        }
    }

    public void Reset()
    {
        Arena.Reset();
        Rejects.Clear();
        Record = 0;
        PathLength = 1;
        foreach (var extra in _extras)
        {
            extra.Clear();
        }
    }

    private void EnsurePath(int more)
    {
        if (_path.Length - PathLength < more)
        {
            Array.Resize(ref _path, Math.Max(_path.Length * 2, PathLength + more));
        }
    }

    public void Dispose()
    {
        Arena.Dispose();
        foreach (var extra in _extras)
        {
            extra.Dispose();
        }
    }
}
