namespace SuccessApp.Etl.Sources;

/// <summary>Whether a frame holds a record the consumer can parse.</summary>
public enum RecordFrameStatus
{
    /// <summary>A complete record; <see cref="RecordFrame.Bytes"/> is all of it.</summary>
    Ok,

    /// <summary>
    /// Not a complete JSON value: an NDJSON line that is truncated or unbalanced, or (for arrays and envelopes) the
    /// rest of a structurally broken or truncated stream, after which the framer ends.
    /// </summary>
    Invalid,

    /// <summary>
    /// A record larger than <see cref="RecordFramerOptions.MaxRecordBytes"/>: skipped without being held;
    /// <see cref="RecordFrame.Bytes"/> is its first <see cref="RecordFramerOptions.PreviewBytes"/> bytes.
    /// </summary>
    TooLarge,
}

/// <summary>
/// One record cut from the stream. <see cref="Bytes"/> points into the framer's buffer and is valid only until
/// the next read: parse or copy it before asking for the next record.
/// </summary>
public readonly struct RecordFrame
{
    internal RecordFrame(RecordFrameStatus status, ReadOnlyMemory<byte> memory, long ordinal, long line, long byteOffset, long length)
    {
        Status = status;
        Memory = memory;
        Ordinal = ordinal;
        Line = line;
        ByteOffset = byteOffset;
        Length = length;
    }

    public RecordFrameStatus Status { get; }

    /// <summary>The record's bytes (for Invalid and TooLarge frames, possibly only the first of them).</summary>
    public ReadOnlyMemory<byte> Memory { get; }

    public ReadOnlySpan<byte> Bytes => Memory.Span;

    /// <summary>0-based position of this frame among all frames of the stream, whatever their status.</summary>
    public long Ordinal { get; }

    /// <summary>1-based line of the record's first byte (for NDJSON, the record's line).</summary>
    public long Line { get; }

    /// <summary>Offset of the record's first byte in the stream, counting any byte-order mark.</summary>
    public long ByteOffset { get; }

    /// <summary>The record's full size in bytes, also when <see cref="Bytes"/> holds only its start.</summary>
    public long Length { get; }

    /// <summary>True when <see cref="Bytes"/> holds less than the whole record.</summary>
    public bool IsTruncated => Memory.Length < Length;
}
