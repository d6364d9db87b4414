namespace SuccessApp.Etl.Flattening;

/// <summary>
/// A UTF-8 string value held as a range of a <see cref="Utf8Arena"/>. Row structs store text this way so that
/// flattening a record never creates a <see cref="string"/>.
/// </summary>
public readonly record struct Utf8Slice(int Offset, int Length)
{
    /// <summary>SQL NULL: the JSON value was null, absent, or did not fit its column.</summary>
    public static Utf8Slice Null => new(0, -1);

    public bool IsNull => Length < 0;
}
