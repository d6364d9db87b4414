namespace SuccessApp.Etl.Tests.Sources;

/// <summary>
/// A read-only, non-seekable stream over bytes that never returns more than the next cut allows, so a test
/// decides exactly where reads (and so buffer refills) split the input.
/// </summary>
internal sealed class ChunkedStream : Stream
{
    private readonly byte[] _data;
    private readonly Func<int, int> _nextCut;
    private readonly bool _yieldOnAsync;
    private int _position;

    /// <param name="nextCut">Given the position, returns the position the next read may not pass.</param>
    public ChunkedStream(byte[] data, Func<int, int> nextCut, bool yieldOnAsync = false)
    {
        _data = data;
        _nextCut = nextCut;
        _yieldOnAsync = yieldOnAsync;
    }

    public int Reads { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>Splits the input once, at <paramref name="at"/>.</summary>
    public static ChunkedStream SplitAt(byte[] data, int at) => new(data, p => p < at ? at : data.Length);

    /// <summary>Returns at most <paramref name="size"/> bytes per read.</summary>
    public static ChunkedStream Pieces(byte[] data, int size, bool yieldOnAsync = false) => new(data, p => p + size, yieldOnAsync);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        Assert.False(buffer.IsEmpty, "A zero-length read cannot tell data from the end of the stream.");
        Reads++;
        if (_position >= _data.Length)
        {
            return 0;
        }
        var limit = Math.Clamp(_nextCut(_position), _position + 1, _data.Length);
        var n = Math.Min(buffer.Length, limit - _position);
        _data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_yieldOnAsync)
        {
            // Forces the framer off its synchronous fast path.
            await Task.Yield();
        }
        return Read(buffer.Span);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A stream that fails after some bytes, to prove I/O errors are not swallowed.</summary>
internal sealed class FailingStream(byte[] prefix) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_position >= prefix.Length)
        {
            throw new IOException("connection reset");
        }
        var n = Math.Min(count, prefix.Length - _position);
        Array.Copy(prefix, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
