using System.Buffers;
using System.Text;

namespace SuccessApp.Etl.Flattening;

/// <summary>
/// Append-only byte storage for the text of one chunk of rows. It is reset, not freed, between chunks, so after
/// the first chunks have sized it, flattening allocates nothing. Growth doubles the pooled buffer.
/// </summary>
public sealed class Utf8Arena : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public Utf8Arena(int initialBytes = 1 << 20)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialBytes, 256));
    }

    /// <summary>Bytes in use.</summary>
    public int Length => _length;

    /// <summary>Bytes held, used or not; what the arena costs in memory.</summary>
    public int Capacity => _buffer.Length;

    public ReadOnlySpan<byte> this[Utf8Slice slice] => slice.IsNull ? default : _buffer.AsSpan(slice.Offset, slice.Length);

    public ReadOnlySpan<byte> GetSpan(Utf8Slice slice) => this[slice];

    /// <summary>Decodes a slice; for tests, logs and errors, never the hot path.</summary>
    public string? GetString(Utf8Slice slice) => slice.IsNull ? null : Encoding.UTF8.GetString(this[slice]);

    public Utf8Slice Append(ReadOnlySpan<byte> bytes)
    {
        var offset = _length;
        bytes.CopyTo(Reserve(bytes.Length));
        _length += bytes.Length;
        return new Utf8Slice(offset, bytes.Length);
    }

    /// <summary>Space for up to <paramref name="maxBytes"/> at the end; make it part of the arena with <see cref="Commit"/>.</summary>
    public Span<byte> Reserve(int maxBytes)
    {
        if (_buffer.Length - _length < maxBytes)
        {
            Grow(maxBytes);
        }
        return _buffer.AsSpan(_length, maxBytes);
    }

    /// <summary>Keeps <paramref name="bytes"/> of the space last returned by <see cref="Reserve"/>.</summary>
    public Utf8Slice Commit(int bytes)
    {
        var slice = new Utf8Slice(_length, bytes);
        _length += bytes;
        return slice;
    }

    /// <summary>Forgets everything after <paramref name="length"/>: used when a record is dropped part-way.</summary>
    public void Truncate(int length) => _length = Math.Min(_length, length);

    public void Reset() => _length = 0;

    private void Grow(int needed)
    {
        var size = Math.Max(_buffer.Length * 2L, (long)_length + needed);
        if (size > Array.MaxLength)
        {
            throw new InvalidOperationException(
                $"A chunk holds more than {Array.MaxLength} bytes of text. Lower the chunk size (SUCCESSAPP_CHUNK_SIZE).");
        }
        var next = ArrayPool<byte>.Shared.Rent((int)size);
        _buffer.AsSpan(0, _length).CopyTo(next);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = next;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
