namespace Portcullis.Core.Upstreams.Http;

/// <summary>
/// Sits under an HTTP upstream's client and gives the DELETE that ends the gateway's session with the upstream at most
/// <see cref="Bound"/> to be answered. The MCP client sends it as it closes a connection, with no deadline of its own,
/// and the connection is not closed until it is answered: an upstream that never answered it held the connector down
/// for good (never connected again, <c>/readyz</c> "restarting" with the next attempt due at once) and held the
/// gateway's shutdown until the host gave up on it.
/// </summary>
/// <remarks>The client ignores the answer (ending a session is optional for a server); one not given in time is given up.</remarks>
internal sealed class UpstreamSessionEndHandler(TimeProvider time) : DelegatingHandler
{
    internal static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        request.Method == HttpMethod.Delete ? BoundedAsync(request, cancellationToken) : base.SendAsync(request, cancellationToken);

    private async Task<HttpResponseMessage> BoundedAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var bounded = new CancellationTokenSource(Bound, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bounded.Token);
        return await base.SendAsync(request, linked.Token).ConfigureAwait(false);
    }
}
