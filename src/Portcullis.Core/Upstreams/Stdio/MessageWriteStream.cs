using System.Buffers;

namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>
/// A stdio upstream's standard input as the MCP SDK writes it: the SDK writes a message, then its newline, then flushes,
/// and each write to a pipe wakes the upstream; here what is written until the flush goes out in one write. A flush that
/// fails or is cancelled drops what it held, so a message the SDK reported as not sent is never sent later with the next
/// one (a <see cref="BufferedStream"/> keeps it, and would write it again after a partial write). A write of
/// <see cref="PassThroughBytes"/> or more with nothing held goes to the pipe at once, not copied.
/// </summary>
internal sealed class MessageWriteStream(Stream inner) : Stream
{
    /// <summary>A write this large is not worth a copy to save a system call.</summary>
    public const int PassThroughBytes = 16 * 1024;

    private ArrayBufferWriter<byte> _held = new(1024);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_held.WrittenCount == 0 && buffer.Length >= PassThroughBytes)
        {
            inner.Write(buffer);
            return;
        }

        _held.Write(buffer);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_held.WrittenCount == 0 && buffer.Length >= PassThroughBytes)
        {
            return inner.WriteAsync(buffer, cancellationToken);
        }

        _held.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
        try
        {
            if (_held.WrittenCount > 0)
            {
                inner.Write(_held.WrittenSpan);
            }
        }
        finally
        {
            Release();
        }

        inner.Flush();
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_held.WrittenCount > 0)
            {
                await inner.WriteAsync(_held.WrittenMemory, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Release();
        }

        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Forgets what was held; a buffer grown by one large message is not kept for the small ones after it.</summary>
    private void Release()
    {
        if (_held.Capacity > 4 * PassThroughBytes)
        {
            _held = new ArrayBufferWriter<byte>(1024);
            return;
        }

        _held.ResetWrittenCount();
    }
}
