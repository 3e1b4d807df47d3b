namespace Portcullis.Core.Upstreams;

/// <summary>
/// A read-only, forward-only stream over an upstream's answer that owns the stream it wraps: the shape of the gateway's
/// watches on what upstreams send (<see cref="CountingReadStream"/>, <see cref="Http.PacedEndStream"/>), which differ
/// only in how they read.
/// </summary>
internal abstract class ReadOnlyWrapperStream(Stream inner) : Stream
{
    /// <summary>The stream read.</summary>
    protected Stream Inner => inner;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override ValueTask DisposeAsync() => inner.DisposeAsync();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
