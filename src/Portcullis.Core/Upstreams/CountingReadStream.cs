namespace Portcullis.Core.Upstreams;

/// <summary>
/// A read-only stream over an upstream's answer that sees every chunk read (<see cref="Count"/>) and may refuse the rest
/// of it by throwing there: the one shape of the gateway's bounds on what upstreams send.
/// </summary>
internal abstract class CountingReadStream(Stream inner) : ReadOnlyWrapperStream(inner)
{
    public override int Read(byte[] buffer, int offset, int count) => Counted(buffer.AsSpan(offset, Inner.Read(buffer, offset, count)));

    public override int Read(Span<byte> buffer) => Counted(buffer[..Inner.Read(buffer)]);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var pending = Inner.ReadAsync(buffer, cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            return CountedAsync(pending, buffer);
        }

        try
        {
            return ValueTask.FromResult(Counted(buffer.Span[..pending.Result]));
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<int>(ex);
        }
    }

    /// <summary>Sees the bytes just read; throws to refuse the answer.</summary>
    protected abstract void Count(ReadOnlySpan<byte> read);

    private int Counted(ReadOnlySpan<byte> read)
    {
        Count(read);
        return read.Length;
    }

    private async ValueTask<int> CountedAsync(ValueTask<int> pending, Memory<byte> buffer)
    {
        var read = await pending.ConfigureAwait(false);
        return Counted(buffer.Span[..read]);
    }
}
