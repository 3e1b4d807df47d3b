namespace Portcullis.Core.Upstreams.Http;

/// <summary>
/// Reads an upstream's answer and stops it at <c>limits.max_result_bytes</c>: a JSON body counts whole, an event
/// stream one event at a time (an empty line ends an event), so a long stream of small events is never cut.
/// </summary>
internal sealed class AnswerLimitStream(Stream inner, long limit, bool perEvent) : Stream
{
    private long _counted;
    private bool _lineHasText;

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
        return pending.IsCompletedSuccessfully ? ValueTask.FromResult(Count(buffer.Span[..pending.Result])) : CountAsync(pending, buffer);
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
        if (!perEvent)
        {
            _counted += read.Length;
        }
        else
        {
            var rest = read;
            while (rest.Length > 0)
            {
                var newline = rest.IndexOf((byte)'\n');
                var line = newline < 0 ? rest : rest[..newline];
                _lineHasText |= line.IndexOfAnyExcept((byte)'\r') >= 0;
                _counted += newline < 0 ? rest.Length : newline + 1;
                if (newline < 0)
                {
                    break;
                }

                if (!_lineHasText)
                {
                    // An empty line: the event is complete, the next one counts from zero.
                    _counted = 0;
                }

                _lineHasText = false;
                rest = rest[(newline + 1)..];
            }
        }

        return _counted > limit ? throw new UpstreamAnswerTooLargeException(limit) : read.Length;
    }
}
