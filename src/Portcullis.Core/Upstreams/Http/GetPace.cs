namespace Portcullis.Core.Upstreams.Http;

/// <summary>When one GET was sent, and the wait until <see cref="UpstreamGetPacingHandler.Minimum"/> has passed since.</summary>
internal sealed class GetPace(TimeProvider time, long sent)
{
    public Task RestAsync(CancellationToken cancellationToken)
    {
        var rest = UpstreamGetPacingHandler.Minimum - time.GetElapsedTime(sent);
        return rest > TimeSpan.Zero ? Task.Delay(rest, time, cancellationToken) : Task.CompletedTask;
    }
}
