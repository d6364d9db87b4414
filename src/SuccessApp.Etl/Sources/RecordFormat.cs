namespace SuccessApp.Etl.Sources;

/// <summary>How a stream's records are laid out.</summary>
public enum RecordFormat
{
    /// <summary>
    /// Decide from the first bytes: <c>[</c> is <see cref="JsonArray"/>; <c>{</c> is <see cref="Pages"/> when that
    /// object holds an array at the records pointer and is the whole document (or spans several lines, or is
    /// larger than <see cref="RecordFramerOptions.MaxRecordBytes"/>), otherwise <see cref="Ndjson"/>; anything else
    /// is <see cref="Ndjson"/>.
    /// </summary>
    Auto,

    /// <summary>One JSON value per line; blank lines are skipped.</summary>
    Ndjson,

    /// <summary>A top-level array whose elements are the records (several arrays back to back are accepted).</summary>
    JsonArray,

    /// <summary>An envelope object with the records array at <see cref="RecordFramerOptions.RecordsPointer"/>.</summary>
    Pages,
}
