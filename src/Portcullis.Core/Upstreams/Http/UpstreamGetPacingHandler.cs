namespace Portcullis.Core.Upstreams.Http;

/// <summary>
/// Sits under an HTTP upstream's client and makes each GET it sends (the upstream's own event stream, or the resumption of
/// a call's stream) last at least <see cref="Minimum"/> from its sending to its end: its failure, an error status, or the
/// end of its body is handed on no sooner. The MCP client opens the stream again as soon as the upstream's <c>retry</c>
/// field says (0 ms allowed), so an upstream ending each stream at once made it send thousands of GETs a second for as
/// long as the connection lasted; now each stream is opened again at most once a second.
/// </summary>
/// <remarks>
/// A stream the client stops reading early (the answer to the call it resumed came) is never held; a long-lived stream,
/// once past <see cref="Minimum"/>, ends when it ends. Requests of other methods pass untouched.
/// </remarks>
internal sealed class UpstreamGetPacingHandler(TimeProvider time) : DelegatingHandler
{
    internal static readonly TimeSpan Minimum = TimeSpan.FromSeconds(1);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        request.Method == HttpMethod.Get ? PacedAsync(request, cancellationToken) : base.SendAsync(request, cancellationToken);

    private async Task<HttpResponseMessage> PacedAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var pace = new GetPace(time, time.GetTimestamp());
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await pace.RestAsync(cancellationToken).ConfigureAwait(false);
            throw;
        }

        if (!response.IsSuccessStatusCode || response.Content is not { } content)
        {
            await pace.RestAsync(cancellationToken).ConfigureAwait(false);
            return response;
        }

        response.Content = new WrappedContent(content, stream => new PacedEndStream(stream, pace));
        return response;
    }
}
