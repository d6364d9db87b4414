namespace SuccessApp.Etl.Flattening;

/// <summary>
/// An open-addressing set of (hash, row) pairs, cleared and reused for every array or chunk: finds the earlier row
/// with the same content or key in O(1) without allocating. Equality of candidates with equal hashes is decided by
/// the caller's <typeparamref name="TEquality"/>, so a hash collision never merges two different rows.
/// </summary>
public sealed class ElementIndex
{
    private ulong[] _hashes = new ulong[64];
    private int[] _rows = new int[64];
    private int _count;

    public int Count => _count;

    public void Clear()
    {
        if (_count == 0)
        {
            return;
        }
        Array.Clear(_rows);
        _count = 0;
    }

    /// <summary>
    /// Returns the row already holding an equal entry, or adds <paramref name="row"/> and returns -1.
    /// </summary>
    public int FindOrAdd<TEquality>(ulong hash, int row, ref TEquality equality)
        where TEquality : struct, IRowEquality
    {
        if ((_count + 1) * 2 > _rows.Length)
        {
            Grow();
        }
        var mask = _rows.Length - 1;
        var slot = (int)(hash & (ulong)mask);
        while (true)
        {
            var existing = _rows[slot] - 1;
            if (existing < 0)
            {
                _hashes[slot] = hash;
                _rows[slot] = row + 1;
                _count++;
                return -1;
            }
            if (_hashes[slot] == hash && equality.Equal(existing, row))
            {
                return existing;
            }
            slot = (slot + 1) & mask;
        }
    }

    /// <summary>Points the entry equal to <paramref name="row"/> at <paramref name="row"/> (a newer version replaced it).</summary>
    public void Replace(ulong hash, int oldRow, int row)
    {
        var mask = _rows.Length - 1;
        var slot = (int)(hash & (ulong)mask);
        while (_rows[slot] != 0)
        {
            if (_rows[slot] - 1 == oldRow)
            {
                _rows[slot] = row + 1;
                return;
            }
            slot = (slot + 1) & mask;
        }
    }

    private void Grow()
    {
        var oldHashes = _hashes;
        var oldRows = _rows;
        _hashes = new ulong[oldRows.Length * 2];
        _rows = new int[oldRows.Length * 2];
        var mask = _rows.Length - 1;
        for (var i = 0; i < oldRows.Length; i++)
        {
            if (oldRows[i] == 0)
            {
                continue;
            }
            var slot = (int)(oldHashes[i] & (ulong)mask);
            while (_rows[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }
            _hashes[slot] = oldHashes[i];
            _rows[slot] = oldRows[i];
        }
    }
}

/// <summary>Decides whether two rows (by index) are equal; implemented by generated structs so calls inline.</summary>
public interface IRowEquality
{
    bool Equal(int existingRow, int newRow);
}
