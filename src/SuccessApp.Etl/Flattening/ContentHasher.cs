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
    private readonly XxHash3 _hash = new();

    public void Reset() => _hash.Reset();

    public ulong Finish()
    {
        var value = _hash.GetCurrentHashAsUInt64();
        _hash.Reset();
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
        Span<byte> head = stackalloc byte[5];
        head[0] = 1;
        BinaryPrimitives.WriteInt32LittleEndian(head[1..], bytes.Length);
        _hash.Append(head);
        _hash.Append(bytes);
    }

    public void Add(Guid? value)
    {
        if (value is not { } v)
        {
            AddMarker(0);
            return;
        }
        Span<byte> buffer = stackalloc byte[17];
        buffer[0] = 1;
        v.TryWriteBytes(buffer[1..], bigEndian: true, out _);
        _hash.Append(buffer);
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
        Span<byte> buffer = stackalloc byte[9];
        buffer[0] = 1;
        BinaryPrimitives.WriteInt64LittleEndian(buffer[1..], v);
        _hash.Append(buffer);
    }

    private void AddMarker(byte marker)
    {
        Span<byte> buffer = [marker];
        _hash.Append(buffer);
    }
}
