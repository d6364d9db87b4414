namespace SuccessApp.Etl.Flattening;

/// <summary>
/// A growable array of row structs, reused from chunk to chunk. Rows are added in place (<see cref="Add"/> returns a
/// reference) so a row is never copied while it is being filled.
/// </summary>
public sealed class RowBuffer<T>
    where T : struct
{
    private T[] _rows;

    public RowBuffer(int initialCapacity = 1024)
    {
        _rows = new T[Math.Max(initialCapacity, 4)];
    }

    public int Count { get; private set; }

    public int Capacity => _rows.Length;

    public ref T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
            {
                ThrowIndex(index);
            }
            return ref _rows[index];
        }
    }

    /// <summary>Appends a cleared row and returns it for filling.</summary>
    public ref T Add()
    {
        if (Count == _rows.Length)
        {
            Array.Resize(ref _rows, _rows.Length * 2);
        }
        ref var row = ref _rows[Count++];
        row = default;
        return ref row;
    }

    public void RemoveLast() => Count--;

    /// <summary>Drops every row from <paramref name="count"/> on.</summary>
    public void Truncate(int count) => Count = Math.Min(Count, count);

    public void Clear() => Count = 0;

    public ReadOnlySpan<T> AsSpan() => _rows.AsSpan(0, Count);

    private void ThrowIndex(int index) =>
        throw new ArgumentOutOfRangeException(nameof(index), index, $"Row {index} is past the {Count} rows held.");
}
