namespace SuccessApp.Etl.Flattening;

/// <summary>
/// A UTF-8 string value held as a range of a <see cref="Utf8Arena"/>. Row structs store text this way so that
/// flattening a record never creates a <see cref="string"/>. <c>default</c> is SQL NULL, so a property absent from a
/// record is NULL in its row without any code setting it; an empty string is a zero-length slice.
/// </summary>
public readonly struct Utf8Slice : IEquatable<Utf8Slice>
{
    private readonly int _offset;
    private readonly int _lengthPlusOne;

    public Utf8Slice(int offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _offset = offset;
        _lengthPlusOne = length + 1;
    }

    /// <summary>SQL NULL: the JSON value was null, absent, or did not fit its column.</summary>
    public static Utf8Slice Null => default;

    public bool IsNull => _lengthPlusOne == 0;

    public int Offset => _offset;

    /// <summary>Bytes of the value; 0 for NULL (check <see cref="IsNull"/>).</summary>
    public int Length => Math.Max(_lengthPlusOne - 1, 0);

    public bool Equals(Utf8Slice other) => _offset == other._offset && _lengthPlusOne == other._lengthPlusOne;

    public override bool Equals(object? obj) => obj is Utf8Slice other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_offset, _lengthPlusOne);

    public static bool operator ==(Utf8Slice left, Utf8Slice right) => left.Equals(right);

    public static bool operator !=(Utf8Slice left, Utf8Slice right) => !left.Equals(right);

    public override string ToString() => IsNull ? "NULL" : $"[{_offset}..{_offset + Length})";
}
