namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>
/// A stdio upstream's standard output as the MCP SDK reads it (one JSON-RPC message a line), refusing a line longer than
/// <see cref="MaxLineBytes"/>: the SDK's reader keeps a line whole until its newline, so an upstream that never ends one
/// would otherwise grow the gateway's memory without limit. Past the limit a read fails, which closes the connection.
/// </summary>
internal sealed class LineLimitStream(Stream inner, long maxLineBytes) : Stream
{
    private long _lineBytes;

    public long MaxLineBytes { get; } = maxLineBytes;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Count(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Count(buffer.AsSpan(offset, read));
        return read;
    }

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

    private void Count(ReadOnlySpan<byte> bytes)
    {
        while (true)
        {
            var newline = bytes.IndexOf((byte)'\n');
            _lineBytes += newline < 0 ? bytes.Length : newline;
            if (_lineBytes > MaxLineBytes)
            {
                throw new IOException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"the upstream wrote a line of more than {MaxLineBytes} bytes to its standard output; the connection was closed"));
            }

            if (newline < 0)
            {
                return;
            }

            _lineBytes = 0;
            bytes = bytes[(newline + 1)..];
        }
    }
}
