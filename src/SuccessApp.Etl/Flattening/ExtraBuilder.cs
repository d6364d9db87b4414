using System.Buffers;

namespace SuccessApp.Etl.Flattening;

/// <summary>
/// Collects the properties a schema does not know into one JSON object for a row's <c>_extra</c> column, so the API
/// can add fields before the schema does without anything being lost. Names are kept as received (still escaped),
/// prefixed with the path of the nested object they were found in (<c>result.new_field</c>).
/// </summary>
public sealed class ExtraBuilder : IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(4096);
    private int _length;

    public bool IsEmpty => _length == 0;

    public void Clear() => _length = 0;

    public void Add(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> escapedName, ReadOnlySpan<byte> rawValue)
    {
        var needed = prefix.Length + escapedName.Length + rawValue.Length + 4;
        if (_buffer.Length - _length < needed)
        {
            var next = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + needed));
            _buffer.AsSpan(0, _length).CopyTo(next);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = next;
        }
        var span = _buffer.AsSpan(_length);
        var at = 0;
        span[at++] = _length == 0 ? (byte)'{' : (byte)',';
        span[at++] = (byte)'"';
        prefix.CopyTo(span[at..]);
        at += prefix.Length;
        escapedName.CopyTo(span[at..]);
        at += escapedName.Length;
        span[at++] = (byte)'"';
        span[at++] = (byte)':';
        rawValue.CopyTo(span[at..]);
        at += rawValue.Length;
        _length += at;
    }

    /// <summary>Copies the object into the arena and clears the builder; NULL when nothing was collected.</summary>
    public Utf8Slice Complete(Utf8Arena arena)
    {
        if (_length == 0)
        {
            return Utf8Slice.Null;
        }
        var target = arena.Reserve(_length + 1);
        _buffer.AsSpan(0, _length).CopyTo(target);
        target[_length] = (byte)'}';
        var slice = arena.Commit(_length + 1);
        _length = 0;
        return slice;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
