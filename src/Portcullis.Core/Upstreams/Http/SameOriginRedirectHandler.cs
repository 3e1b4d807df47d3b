using System.Net;

namespace Portcullis.Core.Upstreams.Http;

/// <summary>
/// Follows an HTTP upstream's 307 or 308 to another path of the same origin (scheme, host and port), as servers
/// answer a missing trailing slash (<c>POST /mcp</c> → <c>/mcp/</c>), and nothing else: a redirect to another origin,
/// or one that changes the method (301, 302, 303), is handed on as the answer it is, a failure. The request goes again
/// with its method, body and headers, which stay with the origin they were meant for. A redirect back to an address the
/// request already went to is not followed.
/// </summary>
/// <remarks>
/// It sits under every other handler, next to the connection: a failure of a followed hop is thrown as one of an
/// upstream that was reached (it answered the first hop), never as "not reached", so a write is never taken for unsent.
/// </remarks>
internal sealed class SameOriginRedirectHandler : DelegatingHandler
{
    private const int MaxHops = 3;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        List<Uri>? visited = null;
        for (var hop = 0; hop < MaxHops && Followable(request, response) is { } target; hop++)
        {
            // Back to an address already asked (two layers disagreeing on the trailing slash): the request would only go
            // round again, a write with it; the redirect is handed on as the failed answer it is.
            visited ??= [request.RequestUri!];
            if (visited.Contains(target))
            {
                break;
            }

            visited.Add(target);
            response.Dispose();
            request.RequestUri = target;
            try
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw new HttpRequestException($"The upstream redirected the request and its new address failed: {ex.Message}", null, ex.StatusCode);
            }
        }

        return response;
    }

    private static Uri? Followable(HttpRequestMessage request, HttpResponseMessage response)
    {
        if (response.StatusCode is not (HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect)
            || response.Headers.Location is not { } location
            || request.RequestUri is not { } from)
        {
            return null;
        }

        var target = location.IsAbsoluteUri ? location : new Uri(from, location);
        return Uri.Compare(from, target, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) == 0
            && target != from
            ? target
            : null;
    }
}
