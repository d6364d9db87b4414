namespace SuccessApp.Etl.Flattening;

/// <summary>
/// A value that did not fit its column (the row still loads, with NULL there), or a whole record or array element
/// that could not be loaded. Text lives in the chunk's <see cref="Utf8Arena"/>; <see cref="Record"/> links the
/// reject to its record so the record key can be filled in once the whole record has been read.
/// </summary>
public struct RejectRow
{
    /// <summary>The table the value was meant for.</summary>
    public string Table;

    /// <summary>Index of the record in its chunk.</summary>
    public int Record;

    /// <summary>The record key as text (<c>id</c> value, or <c>a|b</c> for composite keys); NULL when unknown.</summary>
    public Utf8Slice Key;

    /// <summary>JSON path of the value in the record, e.g. <c>$.territories[1].id</c>.</summary>
    public Utf8Slice Path;

    /// <summary>The value's JSON text exactly as received (a whole record's bytes for record rejects).</summary>
    public Utf8Slice Raw;

    /// <summary>What the column expects (<c>uuid</c>, <c>timestamptz</c>, ..., or <c>record</c>).</summary>
    public string Expected;

    public string Reason;

    /// <summary>
    /// True when nothing of the record was loaded (malformed JSON, no key): <see cref="Raw"/> is the whole record.
    /// False for a value loaded as NULL or an array element left out (then <see cref="Raw"/> is that value or element).
    /// </summary>
    public bool Whole;
}
