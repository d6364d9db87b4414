using System.Buffers;
using System.Text;
using System.Text.Json;

namespace SuccessApp.Etl.Sources;

/// <summary>
/// Cuts a stream of JSON into one top-level record at a time without holding the input: bytes are read into a
/// pooled buffer and each record is returned as a slice of it, valid until the next read. The framer finds
/// boundaries only (strings, escapes, bracket depth); the consumer's <see cref="Utf8JsonReader"/> validates the
/// record itself. Bad data never throws: it comes back as <see cref="RecordFrameStatus.Invalid"/> or
/// <see cref="RecordFrameStatus.TooLarge"/> frames, and only the stream's own I/O errors propagate.
/// The sync (<see cref="TryReadNext"/>) and async (<see cref="ReadNextAsync"/>) faces share one state machine;
/// only the buffer refill differs. One reader at a time (not thread-safe); the stream is not closed by
/// <see cref="Dispose"/>.
/// </summary>
public sealed class RecordFramer : IDisposable
{
    private const int MaxPointerTokens = 32;

    // Not a u8 literal: "\xEF" there would be U+00EF encoded as two bytes.
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static readonly SearchValues<byte> Whitespace = SearchValues.Create(" \t\r\n"u8);
    private static readonly SearchValues<byte> WhitespaceOrComma = SearchValues.Create(" \t\r\n,"u8);
    // A bare NDJSON scalar line (a number or literal) cannot contain any of these.
    private static readonly SearchValues<byte> NotInScalar = SearchValues.Create(" \t\r\n,:\"[]{}"u8);

    // The bytes a JSON number, true, false or null can start with.
    private static readonly SearchValues<byte> ScalarStart = SearchValues.Create("-0123456789tfn"u8);

    private readonly Stream _stream;
    private readonly int _initialCapacity;
    private readonly int _maxRecordBytes;
    private readonly int _previewBytes;
    private readonly int _maxEnvelopeBytes;
    private readonly byte[][] _pointer;

    private byte[]? _buffer;
    private int _capacity;
    private int _end;
    private int _pos;
    // Bytes before _mark may be dropped at the next refill; everything from it on is kept.
    private int _mark;
    // Stream offset of _buffer[0].
    private long _origin;
    private bool _eof;
    private long _bytesRead;

    private Phase _phase;
    private RecordFormat _format;
    private int _dataStart;
    private int _recordStart;
    private bool _inRecord;
    private bool _elementIsJunk;
    private JsonValueScanner _scanner;

    // Line numbers: NDJSON counts lines as it cuts them; the other formats count '\n' bytes lazily up to the
    // start of each record and before bytes are dropped.
    private bool _countNewlines;
    private long _line = 1;
    private int _linesCountedTo;

    // A TooLarge or Invalid unit being passed over: only its first bytes are kept, in _preview.
    private SkipKind _skipKind;
    private RecordFrameStatus _skipStatus;
    private Phase _afterSkip;
    private long _skipOffset;
    private long _skipLine;
    private long _skipLength;
    private byte[]? _preview;
    private int _previewLength;

    // Envelope walk (Pages, and Auto's look at a leading object).
    private bool _probing;
    private int _probeObjectStart;
    private int _envDepth;
    private bool _keyMatched;
    private bool _recordsDone;
    private bool _inEnvelopeArray;
    private int _envelopeFrom = -1;
    private byte[]? _envelope;
    private int _envelopeLength;

    private RecordFrame _current;
    private long _frames;
    private long _invalid;
    private long _tooLarge;

    public RecordFramer(Stream stream, RecordFramerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= new RecordFramerOptions();
        if (options.InitialBufferBytes < 1 || options.MaxRecordBytes < 16 || options.InitialBufferBytes > options.MaxRecordBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "InitialBufferBytes must be at least 1 and MaxRecordBytes at least 16 and no smaller than InitialBufferBytes.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(options.PreviewBytes, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxEnvelopeBytes, nameof(options));
        _stream = stream;
        _initialCapacity = options.InitialBufferBytes;
        _maxRecordBytes = options.MaxRecordBytes;
        _previewBytes = options.PreviewBytes;
        _maxEnvelopeBytes = options.MaxEnvelopeBytes;
        _pointer = ParsePointer(options.RecordsPointer);
        _format = options.Format;
        _capacity = _initialCapacity;
        _buffer = ArrayPool<byte>.Shared.Rent(_capacity);
    }

    private enum Phase : byte
    {
        Start,
        Sniff,
        Ndjson,
        ArrayOpen,
        ArrayItems,
        ArrayAfter,
        EnvelopeOpen,
        EnvelopeKeyOrEnd,
        EnvelopeColon,
        EnvelopeValue,
        EnvelopeSkipValue,
        EnvelopeAfterValue,
        EnvelopeTrailing,
        ProbeRest,
        ProbeTrailing,
        Skip,
        Done,
    }

    private enum SkipKind : byte
    {
        Line,
        Value,
        ToEnd,
    }

    private enum Step : byte
    {
        Frame,
        NeedData,
        End,
    }

    private enum LineKind : byte
    {
        Blank,
        Ok,
        Invalid,
    }

    /// <summary>The frame returned by the last successful <see cref="ReadNextAsync"/> or <see cref="TryReadNext"/>.</summary>
    public RecordFrame Current => _current;

    /// <summary>The layout being read: as configured, or what <see cref="RecordFormat.Auto"/> decided (Auto until then).</summary>
    public RecordFormat Format => _format;

    public long BytesRead => _bytesRead;

    /// <summary>Frames returned so far, of any status.</summary>
    public long RecordsFramed => _frames;

    public long InvalidRecords => _invalid;

    public long TooLargeRecords => _tooLarge;

    /// <summary>Current size of the read buffer (grows for a large record, shrinks back afterwards).</summary>
    public int BufferBytes => _capacity;

    /// <summary>
    /// For <see cref="RecordFormat.Pages"/>: the envelope object's bytes as received, with the records array's
    /// content removed (<c>{"data":[],"meta":{…}}</c>), members before and after the array included. Complete
    /// once <see cref="IsEnvelopeComplete"/>; cut at <see cref="RecordFramerOptions.MaxEnvelopeBytes"/>.
    /// </summary>
    public ReadOnlyMemory<byte> Envelope => _envelope is null ? default : _envelope.AsMemory(0, _envelopeLength);

    public bool IsEnvelopeComplete { get; private set; }

    public bool IsEnvelopeTruncated { get; private set; }

    /// <summary>Moves to the next frame, reading from the stream synchronously as needed.</summary>
    public bool TryReadNext(out RecordFrame frame)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        while (true)
        {
            var step = Advance();
            if (step != Step.NeedData)
            {
                frame = _current;
                return step == Step.Frame;
            }
            CompleteFill(_stream.Read(PrepareFill().Span));
        }
    }

    /// <summary>Moves to the next frame (then in <see cref="Current"/>), reading from the stream asynchronously.</summary>
    public ValueTask<bool> ReadNextAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        while (true)
        {
            var step = Advance();
            if (step != Step.NeedData)
            {
                return new ValueTask<bool>(step == Step.Frame);
            }
            var read = _stream.ReadAsync(PrepareFill(), cancellationToken);
            if (!read.IsCompletedSuccessfully)
            {
                return AwaitFill(read, cancellationToken);
            }
            // Data already buffered by the stream (or a MemoryStream) needs no state machine allocation.
            CompleteFill(read.Result);
        }
    }

    public void Dispose()
    {
        Return(ref _buffer);
        Return(ref _preview);
        Return(ref _envelope);
    }

    private static void Return(ref byte[]? array)
    {
        if (array is not null)
        {
            ArrayPool<byte>.Shared.Return(array);
            array = null;
        }
    }

    private async ValueTask<bool> AwaitFill(ValueTask<int> pending, CancellationToken cancellationToken)
    {
        CompleteFill(await pending.ConfigureAwait(false));
        while (true)
        {
            var step = Advance();
            if (step != Step.NeedData)
            {
                return step == Step.Frame;
            }
            CompleteFill(await _stream.ReadAsync(PrepareFill(), cancellationToken).ConfigureAwait(false));
        }
    }

    // Runs the state machine until it has a frame, reaches the end, or needs more bytes.
    private Step Advance()
    {
        var buffer = _buffer!;
        while (true)
        {
            switch (_phase)
            {
                case Phase.Start:
                    // Three bytes (or the end) tell whether there is a UTF-8 byte-order mark.
                    if (_end - _pos < 3 && !_eof)
                    {
                        return NeedMore(_pos);
                    }
                    if (buffer.AsSpan(_pos, _end - _pos).StartsWith(Utf8Bom))
                    {
                        _pos += 3;
                    }
                    _dataStart = _pos;
                    _linesCountedTo = _pos;
                    StartFormat();
                    continue;

                case Phase.Sniff:
                    if (!SkipWhitespace())
                    {
                        if (_eof)
                        {
                            return End();
                        }
                        if (IsFull(_dataStart))
                        {
                            Decide(RecordFormat.Ndjson);
                            continue;
                        }
                        // Keep the leading blank lines so NDJSON line numbers stay right.
                        return NeedMore(_dataStart);
                    }
                    if (buffer[_pos] == '[')
                    {
                        Decide(RecordFormat.JsonArray);
                    }
                    else if (buffer[_pos] == '{' && _pointer.Length > 0)
                    {
                        // Walk the object as an envelope without consuming it, then decide and start over.
                        _probing = true;
                        _phase = Phase.EnvelopeOpen;
                    }
                    else
                    {
                        Decide(RecordFormat.Ndjson);
                    }
                    continue;

                case Phase.Ndjson:
                    {
                        var newline = buffer.AsSpan(_pos, _end - _pos).IndexOf((byte)'\n');
                        int lineEnd;
                        if (newline >= 0)
                        {
                            lineEnd = _pos + newline;
                            _pos = lineEnd + 1;
                        }
                        else if (!_eof)
                        {
                            _pos = _end;
                            if (IsFull(_recordStart))
                            {
                                _skipLine = _line++;
                                BeginSkip(_recordStart, SkipKind.Line, RecordFrameStatus.TooLarge, Phase.Ndjson);
                                continue;
                            }
                            return NeedMore(_recordStart);
                        }
                        else if (_recordStart < _end)
                        {
                            lineEnd = _end;
                            _pos = _end;
                        }
                        else
                        {
                            return End();
                        }

                        var lineNumber = _line++;
                        var start = _recordStart;
                        _recordStart = _pos;
                        if (lineEnd - start >= _maxRecordBytes)
                        {
                            // Same verdict as a line that overflowed the buffer, whether or not the end of the data
                            // came soon enough to let this one fit.
                            return EmitRecord(RecordFrameStatus.TooLarge, start, lineEnd, lineNumber, remainder: true);
                        }
                        if (lineEnd > start && buffer[lineEnd - 1] == '\r')
                        {
                            lineEnd--;
                        }
                        switch (ClassifyLine(buffer.AsSpan(start, lineEnd - start), out var valueStart, out var valueEnd))
                        {
                            case LineKind.Ok:
                                return Emit(RecordFrameStatus.Ok, start + valueStart, start + valueEnd, lineNumber);
                            case LineKind.Invalid:
                                return Emit(RecordFrameStatus.Invalid, start, lineEnd, lineNumber);
                            default:
                                continue;
                        }
                    }

                case Phase.ArrayOpen:
                    if (!SkipWhitespace())
                    {
                        return _eof ? End() : NeedMore(_pos);
                    }
                    if (buffer[_pos] != '[')
                    {
                        BeginCorruptRest();
                        continue;
                    }
                    _pos++;
                    _phase = Phase.ArrayItems;
                    continue;

                case Phase.ArrayItems:
                    if (_inRecord)
                    {
                        switch (_scanner.Advance(buffer.AsSpan(0, _end), ref _pos))
                        {
                            case JsonScanResult.Complete:
                                _inRecord = false;
                                return EmitRecord(_elementIsJunk ? RecordFrameStatus.Invalid : RecordFrameStatus.Ok, _recordStart, _pos);
                            case JsonScanResult.Mismatch:
                                // Cut the broken record where the scan found the stray bracket and go on after it.
                                _inRecord = false;
                                return EmitRecord(RecordFrameStatus.Invalid, _recordStart, _pos);
                        }
                        if (_eof)
                        {
                            _inRecord = false;
                            _phase = Phase.Done;
                            return EmitRecord(RecordFrameStatus.Invalid, _recordStart, _end, remainder: true);
                        }
                        if (IsFull(_recordStart))
                        {
                            _inRecord = false;
                            BeginSkip(_recordStart, SkipKind.Value, RecordFrameStatus.TooLarge, Phase.ArrayItems);
                            continue;
                        }
                        return NeedMore(_recordStart);
                    }
                    if (!SkipWhitespace(WhitespaceOrComma))
                    {
                        if (_eof)
                        {
                            // The array never closed: say so with an empty Invalid frame where the data stopped.
                            _phase = Phase.Done;
                            return EmitRecord(RecordFrameStatus.Invalid, _end, _end);
                        }
                        return NeedMore(_pos);
                    }
                    switch (buffer[_pos])
                    {
                        case (byte)']':
                            _pos++;
                            if (_inEnvelopeArray)
                            {
                                // The envelope resumes with the ']' so it reads back as an empty array.
                                _inEnvelopeArray = false;
                                _recordsDone = true;
                                _envelopeFrom = _pos - 1;
                                _phase = Phase.EnvelopeAfterValue;
                            }
                            else
                            {
                                _phase = Phase.ArrayAfter;
                            }
                            continue;
                        case (byte)'}':
                        case (byte)':':
                            BeginCorruptRest();
                            continue;
                        default:
                            _recordStart = _pos;
                            _scanner.Start(buffer[_pos]);
                            // Something that cannot start a JSON value is still cut at the next delimiter, as Invalid.
                            _elementIsJunk = buffer[_pos] is not ((byte)'{' or (byte)'[' or (byte)'"') && !ScalarStart.Contains(buffer[_pos]);
                            _inRecord = true;
                            continue;
                    }

                case Phase.ArrayAfter:
                    if (!SkipWhitespace())
                    {
                        return _eof ? End() : NeedMore(_pos);
                    }
                    if (buffer[_pos] == '[')
                    {
                        // Arrays written back to back (pages appended to one file) are read as one.
                        _pos++;
                        _phase = Phase.ArrayItems;
                        continue;
                    }
                    BeginCorruptRest();
                    continue;

                case Phase.EnvelopeOpen:
                    if (!SkipWhitespace())
                    {
                        return _eof ? End() : NeedMore(_pos);
                    }
                    if (buffer[_pos] != '{')
                    {
                        BeginCorruptRest();
                        continue;
                    }
                    if (_probing)
                    {
                        _probeObjectStart = _pos;
                    }
                    else
                    {
                        _envelopeFrom = _pos;
                    }
                    _envDepth = 1;
                    _pos++;
                    _phase = Phase.EnvelopeKeyOrEnd;
                    continue;

                case Phase.EnvelopeKeyOrEnd:
                    {
                        if (!SkipWhitespace())
                        {
                            if (EnvelopeStarved(out var step))
                            {
                                return step;
                            }
                            continue;
                        }
                        var b = buffer[_pos];
                        if (b == '}')
                        {
                            CloseEnvelopeObject();
                            continue;
                        }
                        if (b != '"')
                        {
                            BeginCorruptRest();
                            continue;
                        }
                        // A key is compared whole, so it stays in the buffer until its closing quote has arrived.
                        var keyEnd = FindStringEnd(buffer, _pos + 1);
                        if (keyEnd < 0)
                        {
                            if (_eof || IsFull(_pos))
                            {
                                BeginCorruptRest();
                                continue;
                            }
                            return NeedMore(_pos);
                        }
                        _keyMatched = !_recordsDone && KeyEquals(buffer.AsSpan(_pos, keyEnd - _pos), _pointer[_envDepth - 1]);
                        _pos = keyEnd;
                        _phase = Phase.EnvelopeColon;
                        continue;
                    }

                case Phase.EnvelopeColon:
                    if (!SkipWhitespace())
                    {
                        if (EnvelopeStarved(out var step))
                        {
                            return step;
                        }
                        continue;
                    }
                    if (buffer[_pos] != ':')
                    {
                        BeginCorruptRest();
                        continue;
                    }
                    _pos++;
                    _phase = Phase.EnvelopeValue;
                    continue;

                case Phase.EnvelopeValue:
                    {
                        if (!SkipWhitespace())
                        {
                            if (EnvelopeStarved(out var step))
                            {
                                return step;
                            }
                            continue;
                        }
                        var b = buffer[_pos];
                        if (_keyMatched && _envDepth == _pointer.Length && b == '[')
                        {
                            _pos++;
                            if (_probing)
                            {
                                // Records found. Lines inside the object before them mean pretty-printed JSON, which no
                                // NDJSON record can be; otherwise look at how (and whether) the object ends.
                                if (buffer.AsSpan(_probeObjectStart, _pos - _probeObjectStart).Contains((byte)'\n'))
                                {
                                    Decide(RecordFormat.Pages);
                                    continue;
                                }
                                _scanner.StartInsideArray(_envDepth);
                                _phase = Phase.ProbeRest;
                                continue;
                            }
                            AppendEnvelope(_envelopeFrom, _pos);
                            _envelopeFrom = -1;
                            _inEnvelopeArray = true;
                            _phase = Phase.ArrayItems;
                            continue;
                        }
                        if (_keyMatched && _envDepth < _pointer.Length && b == '{')
                        {
                            _envDepth++;
                            _pos++;
                            _phase = Phase.EnvelopeKeyOrEnd;
                            continue;
                        }
                        if (b is (byte)'}' or (byte)']' or (byte)',' or (byte)':')
                        {
                            BeginCorruptRest();
                            continue;
                        }
                        _scanner.Start(b);
                        _phase = Phase.EnvelopeSkipValue;
                        continue;
                    }

                case Phase.EnvelopeSkipValue:
                    switch (_scanner.Advance(buffer.AsSpan(0, _end), ref _pos))
                    {
                        case JsonScanResult.Complete:
                            _phase = Phase.EnvelopeAfterValue;
                            continue;
                        case JsonScanResult.Mismatch:
                            _pos--;
                            BeginCorruptRest();
                            continue;
                    }
                    if (EnvelopeStarved(out var skipStep))
                    {
                        return skipStep;
                    }
                    continue;

                case Phase.EnvelopeAfterValue:
                    if (!SkipWhitespace())
                    {
                        if (EnvelopeStarved(out var step))
                        {
                            return step;
                        }
                        continue;
                    }
                    if (buffer[_pos] == ',')
                    {
                        _pos++;
                        _phase = Phase.EnvelopeKeyOrEnd;
                    }
                    else if (buffer[_pos] == '}')
                    {
                        CloseEnvelopeObject();
                    }
                    else
                    {
                        BeginCorruptRest();
                    }
                    continue;

                case Phase.EnvelopeTrailing:
                    if (!SkipWhitespace())
                    {
                        return _eof ? End() : NeedMore(_pos);
                    }
                    BeginCorruptRest();
                    continue;

                case Phase.ProbeRest:
                    switch (_scanner.Advance(buffer.AsSpan(0, _end), ref _pos))
                    {
                        case JsonScanResult.Complete:
                            _phase = Phase.ProbeTrailing;
                            continue;
                        case JsonScanResult.Mismatch:
                            Decide(RecordFormat.Pages);
                            continue;
                    }
                    // Truncated, or bigger than any record may be: either way an envelope.
                    if (_eof || IsFull(_dataStart))
                    {
                        Decide(RecordFormat.Pages);
                        continue;
                    }
                    return NeedMore(_dataStart);

                case Phase.ProbeTrailing:
                    if (!SkipWhitespace())
                    {
                        if (_eof || IsFull(_dataStart))
                        {
                            // One object that is the whole document: an envelope.
                            Decide(RecordFormat.Pages);
                            continue;
                        }
                        return NeedMore(_dataStart);
                    }
                    // More values follow the first line's object: records, one per line.
                    Decide(RecordFormat.Ndjson);
                    continue;

                case Phase.Skip:
                    if (ContinueSkip())
                    {
                        return EmitSkipped();
                    }
                    return NeedMore(_pos);

                default:
                    return End();
            }
        }
    }

    private void StartFormat()
    {
        if (_format == RecordFormat.Auto)
        {
            _phase = Phase.Sniff;
        }
        else
        {
            Decide(_format == RecordFormat.Pages && _pointer.Length == 0 ? RecordFormat.JsonArray : _format);
        }
    }

    // Fixes the format and (re)starts reading at the first data byte; Auto's probe consumed nothing.
    private void Decide(RecordFormat format)
    {
        _format = format;
        _probing = false;
        _pos = _dataStart;
        _recordStart = _dataStart;
        _linesCountedTo = _dataStart;
        _line = 1;
        _envDepth = 0;
        _keyMatched = false;
        _recordsDone = false;
        _envelopeFrom = -1;
        _countNewlines = format != RecordFormat.Ndjson;
        _phase = format switch
        {
            RecordFormat.Ndjson => Phase.Ndjson,
            RecordFormat.JsonArray => Phase.ArrayOpen,
            _ => Phase.EnvelopeOpen,
        };
    }

    private void CloseEnvelopeObject()
    {
        _pos++;
        if (--_envDepth > 0)
        {
            _phase = Phase.EnvelopeAfterValue;
            return;
        }
        if (_probing)
        {
            // The object ended without a records array: it is a record.
            Decide(RecordFormat.Ndjson);
            return;
        }
        AppendEnvelope(_envelopeFrom, _pos);
        _envelopeFrom = -1;
        IsEnvelopeComplete = true;
        _phase = Phase.EnvelopeTrailing;
    }

    // The envelope walk ran out of bytes: wait for more, or handle the end of data inside it.
    private bool EnvelopeStarved(out Step step)
    {
        step = Step.NeedData;
        if (_eof)
        {
            BeginCorruptRest();
            return false;
        }
        if (_probing && IsFull(_dataStart))
        {
            Decide(RecordFormat.Ndjson);
            return false;
        }
        step = NeedMore(_pos);
        return true;
    }

    // Structure is broken (or a probe proved the data is not an envelope): report the rest of the stream as one
    // Invalid frame and end.
    private void BeginCorruptRest()
    {
        if (_probing)
        {
            Decide(RecordFormat.Ndjson);
            return;
        }
        if (_envelopeFrom >= 0)
        {
            AppendEnvelope(_envelopeFrom, _pos);
            _envelopeFrom = -1;
        }
        BeginSkip(_pos, SkipKind.ToEnd, RecordFrameStatus.Invalid, Phase.Done);
    }

    private void BeginSkip(int from, SkipKind kind, RecordFrameStatus status, Phase after)
    {
        if (_countNewlines)
        {
            AdvanceLines(from);
            _skipLine = _line;
        }
        _skipKind = kind;
        _skipStatus = status;
        _afterSkip = after;
        _skipOffset = _origin + from;
        _skipLength = 0;
        _previewLength = 0;
        // Bytes up to _pos were already scanned and belong to the unit.
        TakeSkipped(from, _pos);
        _phase = Phase.Skip;
    }

    // Passes over more of the unit being skipped; true when it has ended.
    private bool ContinueSkip()
    {
        var buffer = _buffer!;
        var from = _pos;
        var done = false;
        var unitEnd = _end;
        switch (_skipKind)
        {
            case SkipKind.Line:
                {
                    var newline = buffer.AsSpan(_pos, _end - _pos).IndexOf((byte)'\n');
                    if (newline >= 0)
                    {
                        unitEnd = _pos + newline;
                        _pos = unitEnd + 1;
                        done = true;
                    }
                    else
                    {
                        _pos = _end;
                    }
                    break;
                }
            case SkipKind.Value:
                {
                    var result = _scanner.Advance(buffer.AsSpan(0, _end), ref _pos);
                    unitEnd = _pos;
                    if (result != JsonScanResult.NeedMore)
                    {
                        done = true;
                        if (result == JsonScanResult.Mismatch)
                        {
                            _skipStatus = RecordFrameStatus.Invalid;
                        }
                    }
                    break;
                }
            default:
                _pos = _end;
                break;
        }
        TakeSkipped(from, unitEnd);
        if (!done && _eof)
        {
            done = true;
            if (_skipKind == SkipKind.Value)
            {
                // The data ended inside the value: it is cut, and nothing can follow.
                _skipStatus = RecordFrameStatus.Invalid;
                _afterSkip = Phase.Done;
            }
        }
        return done;
    }

    private void TakeSkipped(int from, int to)
    {
        var count = to - from;
        if (count <= 0)
        {
            return;
        }
        _skipLength += count;
        var room = _previewBytes - _previewLength;
        if (room > 0)
        {
            _preview ??= ArrayPool<byte>.Shared.Rent(Math.Max(_previewBytes, 1));
            var take = Math.Min(room, count);
            _buffer.AsSpan(from, take).CopyTo(_preview.AsSpan(_previewLength));
            _previewLength += take;
        }
    }

    private Step EmitSkipped()
    {
        _phase = _afterSkip;
        if (_afterSkip == Phase.Ndjson)
        {
            _recordStart = _pos;
        }
        var memory = _preview is null ? ReadOnlyMemory<byte>.Empty : _preview.AsMemory(0, _previewLength);
        return SetFrame(_skipStatus, memory, _skipLine, _skipOffset, _skipLength);
    }

    // A record that lies in the buffer; a cut-off remainder shows only its first PreviewBytes.
    private Step EmitRecord(RecordFrameStatus status, int start, int end, bool remainder = false) =>
        EmitRecord(status, start, end, CountLinesTo(start), remainder);

    private Step EmitRecord(RecordFrameStatus status, int start, int end, long line, bool remainder)
    {
        var shown = remainder ? Math.Min(end - start, _previewBytes) : end - start;
        return SetFrame(status, _buffer.AsMemory(start, shown), line, _origin + start, end - start);
    }

    private long CountLinesTo(int start)
    {
        AdvanceLines(start);
        return _line;
    }

    private Step Emit(RecordFrameStatus status, int start, int end, long line) =>
        SetFrame(status, _buffer.AsMemory(start, end - start), line, _origin + start, end - start);

    private Step SetFrame(RecordFrameStatus status, ReadOnlyMemory<byte> memory, long line, long offset, long length)
    {
        _current = new RecordFrame(status, memory, _frames++, line, offset, length);
        if (status == RecordFrameStatus.Invalid)
        {
            _invalid++;
        }
        else if (status == RecordFrameStatus.TooLarge)
        {
            _tooLarge++;
        }
        return Step.Frame;
    }

    private Step End()
    {
        _phase = Phase.Done;
        _current = default;
        return Step.End;
    }

    private Step NeedMore(int keepFrom)
    {
        // While probing nothing is consumed: the chosen format starts again from the first data byte.
        _mark = _probing ? _dataStart : keepFrom;
        return Step.NeedData;
    }

    // True when the bytes that must be kept already fill the largest buffer allowed.
    private bool IsFull(int keepFrom) => _end - (_probing ? _dataStart : keepFrom) >= _maxRecordBytes;

    private bool SkipWhitespace() => SkipWhitespace(Whitespace);

    private bool SkipWhitespace(SearchValues<byte> skipped)
    {
        var i = _buffer.AsSpan(_pos, _end - _pos).IndexOfAnyExcept(skipped);
        if (i < 0)
        {
            _pos = _end;
            return false;
        }
        _pos += i;
        return true;
    }

    private void AdvanceLines(int upTo)
    {
        if (_countNewlines && upTo > _linesCountedTo)
        {
            _line += _buffer.AsSpan(_linesCountedTo, upTo - _linesCountedTo).Count((byte)'\n');
            _linesCountedTo = upTo;
        }
    }

    private void AppendEnvelope(int from, int to)
    {
        var count = to - from;
        if (count <= 0)
        {
            return;
        }
        var room = _maxEnvelopeBytes - _envelopeLength;
        if (count > room)
        {
            count = room;
            IsEnvelopeTruncated = true;
        }
        if (count <= 0)
        {
            return;
        }
        var needed = _envelopeLength + count;
        if (_envelope is null || _envelope.Length < needed)
        {
            var next = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(needed, Math.Max(256, (_envelope?.Length ?? 0) * 2)), _maxEnvelopeBytes));
            if (_envelope is not null)
            {
                _envelope.AsSpan(0, _envelopeLength).CopyTo(next);
                ArrayPool<byte>.Shared.Return(_envelope);
            }
            _envelope = next;
        }
        _buffer.AsSpan(from, count).CopyTo(_envelope.AsSpan(_envelopeLength));
        _envelopeLength += count;
    }

    // Makes room for a read: drops consumed bytes, grows when one unit fills the buffer, shrinks back after it.
    private Memory<byte> PrepareFill()
    {
        var buffer = _buffer!;
        var keep = _mark;
        var retained = _end - keep;
        if (keep > 0)
        {
            // Account for what is about to be dropped.
            if (_envelopeFrom >= 0 && _envelopeFrom < keep)
            {
                AppendEnvelope(_envelopeFrom, keep);
                _envelopeFrom = keep;
            }
            AdvanceLines(keep);
        }

        var capacity = _capacity;
        if (capacity > _initialCapacity && retained <= _initialCapacity / 2)
        {
            capacity = _initialCapacity;
        }
        else if (retained >= capacity)
        {
            capacity = (int)Math.Min((long)capacity * 2, _maxRecordBytes);
        }
        if (retained >= capacity)
        {
            throw new InvalidOperationException("RecordFramer needed to keep more than MaxRecordBytes; this is a framer bug.");
        }

        if (capacity != _capacity)
        {
            var next = ArrayPool<byte>.Shared.Rent(capacity);
            buffer.AsSpan(keep, retained).CopyTo(next);
            ArrayPool<byte>.Shared.Return(buffer);
            _buffer = next;
            _capacity = capacity;
        }
        else if (keep > 0)
        {
            buffer.AsSpan(keep, retained).CopyTo(buffer);
        }

        if (keep > 0)
        {
            _origin += keep;
            _end -= keep;
            _pos -= keep;
            _recordStart -= keep;
            _dataStart -= keep;
            _probeObjectStart -= keep;
            _linesCountedTo = Math.Max(0, _linesCountedTo - keep);
            if (_envelopeFrom >= 0)
            {
                _envelopeFrom -= keep;
            }
            _mark = 0;
        }
        return _buffer.AsMemory(_end, _capacity - _end);
    }

    private void CompleteFill(int read)
    {
        if (read <= 0)
        {
            _eof = true;
            return;
        }
        _end += read;
        _bytesRead += read;
    }

    private static LineKind ClassifyLine(ReadOnlySpan<byte> line, out int start, out int end)
    {
        start = line.IndexOfAnyExcept(Whitespace);
        if (start < 0)
        {
            end = 0;
            return LineKind.Blank;
        }
        end = line.LastIndexOfAnyExcept(Whitespace) + 1;
        var value = line[start..end];
        var first = value[0];
        if (first is (byte)'{' or (byte)'[' or (byte)'"')
        {
            var scanner = default(JsonValueScanner);
            scanner.Start(first);
            var pos = 0;
            // Complete exactly at the end: nothing may follow the value on its line.
            return scanner.Advance(value, ref pos) == JsonScanResult.Complete && pos == value.Length ? LineKind.Ok : LineKind.Invalid;
        }
        return ScalarStart.Contains(first) && value.IndexOfAny(NotInScalar) < 0 ? LineKind.Ok : LineKind.Invalid;
    }

    // Index just past the closing quote of a string whose content starts at from, or -1 if it is not all here.
    private int FindStringEnd(byte[] buffer, int from)
    {
        var i = from;
        while (i < _end)
        {
            var j = buffer.AsSpan(i, _end - i).IndexOfAny((byte)'"', (byte)'\\');
            if (j < 0)
            {
                return -1;
            }
            i += j;
            if (buffer[i] == '"')
            {
                return i + 1;
            }
            i += 2;
        }
        return -1;
    }

    private static bool KeyEquals(ReadOnlySpan<byte> quotedKey, ReadOnlySpan<byte> name)
    {
        var raw = quotedKey[1..^1];
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return raw.SequenceEqual(name);
        }
        // Escaped keys are rare in envelopes; let the JSON reader unescape and compare them.
        try
        {
            var reader = new Utf8JsonReader(quotedKey);
            return reader.Read() && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(name);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static byte[][] ParsePointer(string pointer)
    {
        ArgumentNullException.ThrowIfNull(pointer);
        if (pointer.Length == 0)
        {
            return [];
        }
        if (pointer[0] != '/')
        {
            throw new ArgumentException($"RecordsPointer '{pointer}' is not a JSON pointer: write it like \"/data\" or \"/result/items\" (RFC 6901), or leave it empty for a top-level array.", nameof(pointer));
        }
        var tokens = pointer[1..].Split('/');
        if (tokens.Length > MaxPointerTokens)
        {
            throw new ArgumentException($"RecordsPointer '{pointer}' is deeper than {MaxPointerTokens} levels.", nameof(pointer));
        }
        // RFC 6901: '~1' is '/', then '~0' is '~'.
        return Array.ConvertAll(tokens, t => Encoding.UTF8.GetBytes(t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)));
    }
}
