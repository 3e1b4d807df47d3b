namespace Portcullis.Core.Upstreams.Http;

/// <summary>A GET's body whose end (or failure) is handed on no sooner than its <see cref="GetPace"/> allows.</summary>
internal sealed class PacedEndStream(Stream inner, GetPace pace) : ReadOnlyWrapperStream(inner)
{
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await pace.RestAsync(cancellationToken).ConfigureAwait(false);
            throw;
        }

        if (read == 0 && buffer.Length > 0)
        {
            await pace.RestAsync(cancellationToken).ConfigureAwait(false);
        }

        return read;
    }
}
