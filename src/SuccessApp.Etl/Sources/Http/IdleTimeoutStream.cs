namespace SuccessApp.Etl.Sources.Http;

/// <summary>
/// A response body that fails with an <see cref="IOException"/> when one read waits longer than the idle timeout.
/// The clock runs only while a read is pending, so a consumer that is slow (a busy database) is never mistaken for a
/// stalled server. Reads must pass the token of <paramref name="page"/> (or one linked to it): cancelling it aborts
/// the read and the connection. <paramref name="caller"/> is the token linked into the page's: when it fired, the
/// cancellation is the caller's and not a timeout.
/// </summary>
internal sealed class IdleTimeoutStream(Stream inner, CancellationTokenSource page, CancellationToken caller, TimeSpan idle) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>True once a read ran out of time (the page token is then cancelled for good).</summary>
    public bool TimedOut { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        page.CancelAfter(idle);
        try
        {
            return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (page.IsCancellationRequested && !caller.IsCancellationRequested)
        {
            TimedOut = true;
            throw new IOException($"the response body sent nothing for {idle.TotalSeconds:0.###} s", e);
        }
        finally
        {
            if (!page.IsCancellationRequested)
            {
                page.CancelAfter(Timeout.InfiniteTimeSpan);
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("The HTTP source reads response bodies asynchronously.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
