namespace SuccessApp.Etl.Sources;

/// <summary>Settings of a <see cref="RecordFramer"/>; the defaults suit API pages and NDJSON exports.</summary>
public sealed class RecordFramerOptions
{
    public RecordFormat Format { get; init; } = RecordFormat.Auto;

    /// <summary>
    /// JSON pointer (RFC 6901) to the records array inside a <see cref="RecordFormat.Pages"/> envelope. Its tokens
    /// name object members only (array indexes are not followed); empty means the document itself is the array.
    /// </summary>
    public string RecordsPointer { get; init; } = "/data";

    /// <summary>Size of the read buffer at the start, and what it shrinks back to after a large record.</summary>
    public int InitialBufferBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// Largest record kept whole (an NDJSON line must be shorter, to leave room for its line break); the buffer
    /// doubles up to this only when one record needs it. Larger records come back as
    /// <see cref="RecordFrameStatus.TooLarge"/>.
    /// </summary>
    public int MaxRecordBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>How many leading bytes of a TooLarge or Invalid record are kept for logging its key.</summary>
    public int PreviewBytes { get; init; } = 4 * 1024;

    /// <summary>Cap on <see cref="RecordFramer.Envelope"/>; beyond it the envelope is cut and flagged.</summary>
    public int MaxEnvelopeBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// The options for a file of records: an .ndjson/.jsonl file is read as NDJSON whatever its first line looks like
    /// (a damaged first record must not make the file look like one big document); other files are detected from
    /// their first bytes (NDJSON, a JSON array, or saved pages).
    /// </summary>
    public static RecordFramerOptions ForFile(string path, RecordFramerOptions? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        defaults ??= new RecordFramerOptions();
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension is ".ndjson" or ".jsonl"
            ? new RecordFramerOptions { Format = RecordFormat.Ndjson, MaxRecordBytes = defaults.MaxRecordBytes, InitialBufferBytes = defaults.InitialBufferBytes }
            : defaults;
    }
}
