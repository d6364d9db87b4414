using System.Buffers.Binary;
using System.IO.Hashing;

namespace SuccessApp.Etl.Flattening;

/// <summary>
/// A stable 64-bit hash of row content (XxHash3, seed 0), the same in every process and on every machine, so it can
/// be stored in <c>_hash</c> and compared across runs. Every value is framed (a null marker, then a length for
/// variable-size values) so that different rows cannot hash equal by shifting bytes between columns.
/// One instance is reused for all rows; it allocates nothing after construction.
/// </summary>
public sealed class ContentHasher
{
    // The framed values of the row being hashed, hashed in one call at the end: XxHash3 of the concatenation is what
    // its streaming form computes, and the one-shot form is much faster for short rows (no per-value state updates,
    // the short-input paths). Grows (rarely, for a row of long texts) and is then kept.
    private byte[] _buffer = new byte[4096];
    private int _length;

    public void Reset() => _length = 0;

    public ulong Finish()
    {
        var value = XxHash3.HashToUInt64(_buffer.AsSpan(0, _length));
        _length = 0;
        return value;
    }

    public void AddNull() => AddMarker(0);

    public void Add(ReadOnlySpan<byte> bytes, bool isNull)
    {
        if (isNull)
        {
            AddMarker(0);
            return;
        }
        var target = Reserve(5 + bytes.Length);
        target[0] = 1;
        BinaryPrimitives.WriteInt32LittleEndian(target[1..], bytes.Length);
        bytes.CopyTo(target[5..]);
    }

    public void Add(Guid? value)
    {
        if (value is not { } v)
        {
            AddMarker(0);
            return;
        }
        var target = Reserve(17);
        target[0] = 1;
        v.TryWriteBytes(target[1..], bigEndian: true, out _);
    }

    public void Add(long? value)
    {
        if (value is not { } v)
        {
            AddMarker(0);
            return;
        }
        AddInt64(v);
    }

    public void Add(int value) => AddInt64(value);

    public void Add(bool? value) => AddMarker(value switch { null => 0, false => 2, true => 3 });

    public void Add(DateTime? value) => Add(value?.Ticks);

    public void Add(DateOnly? value) => Add(value?.DayNumber);

    /// <summary>Folds the hash of a nested row (a child element) into this one.</summary>
    public void AddHash(long hash) => AddInt64(hash);

    private void AddInt64(long v)
    {
        var target = Reserve(9);
        target[0] = 1;
        BinaryPrimitives.WriteInt64LittleEndian(target[1..], v);
    }

    private void AddMarker(byte marker) => Reserve(1)[0] = marker;

    /// <summary>The next <paramref name="bytes"/> bytes of the buffer, counted as written.</summary>
    private Span<byte> Reserve(int bytes)
    {
        if (_buffer.Length - _length < bytes)
        {
            Array.Resize(ref _buffer, (int)Math.Min(Array.MaxLength, Math.Max(2L * _buffer.Length, (long)_length + bytes)));
        }
        var span = _buffer.AsSpan(_length, bytes);
        _length += bytes;
        return span;
    }
}
