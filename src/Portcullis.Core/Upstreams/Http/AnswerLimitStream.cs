namespace Portcullis.Core.Upstreams.Http;

/// <summary>
/// Reads an upstream's answer and stops it at <c>limits.max_result_bytes</c>: a JSON body counts whole, an event
/// stream one event at a time (an empty line ends an event; lines end with CR, LF or CRLF, as the SSE format has
/// them), so a long stream of small events is never cut, and an event is judged at each of its line ends, however
/// the bytes arrive.
/// </summary>
internal sealed class AnswerLimitStream(Stream inner, AnswerLimit limit) : Stream
{
    private long _counted;
    private bool _lineHasText;
    private bool _afterCr;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override int Read(Span<byte> buffer) => Count(buffer[..inner.Read(buffer)]);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var pending = inner.ReadAsync(buffer, cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            return CountAsync(pending, buffer);
        }

        try
        {
            return ValueTask.FromResult(Count(buffer.Span[..pending.Result]));
        }
        catch (UpstreamAnswerTooLargeException ex)
        {
            return ValueTask.FromException<int>(ex);
        }
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

    public override ValueTask DisposeAsync() => inner.DisposeAsync();

    private async ValueTask<int> CountAsync(ValueTask<int> pending, Memory<byte> buffer)
    {
        var read = await pending.ConfigureAwait(false);
        return Count(buffer.Span[..read]);
    }

    private int Count(ReadOnlySpan<byte> read)
    {
        if (!limit.PerEvent)
        {
            _counted += read.Length;
            CheckLimit();
            return read.Length;
        }

        var rest = read;
        while (rest.Length > 0)
        {
            var end = rest.IndexOfAny((byte)'\r', (byte)'\n');
            if (end != 0)
            {
                // Text of the current line (all of the rest when no line ends in it).
                _lineHasText = true;
                _afterCr = false;
            }

            if (end < 0)
            {
                _counted += rest.Length;
                break;
            }

            _counted += end + 1;
            var terminator = rest[end];
            rest = rest[(end + 1)..];
            if (terminator == (byte)'\n' && end == 0 && _afterCr)
            {
                // The LF of a CRLF: the line already ended at its CR.
                _afterCr = false;
                continue;
            }

            CheckLimit();
            if (!_lineHasText)
            {
                // An empty line: the event is complete, the next one counts from zero.
                _counted = 0;
            }

            _lineHasText = false;
            _afterCr = terminator == (byte)'\r';
        }

        CheckLimit();
        return read.Length;
    }

    private void CheckLimit()
    {
        if (_counted > limit.Bytes)
        {
            limit.OnCut?.Invoke();
            throw new UpstreamAnswerTooLargeException(limit.Bytes);
        }
    }
}
