using System.Net;
using System.Net.Http.Headers;
using Portcullis.Core.Configuration;
using Portcullis.Core.Upstreams.Http;

namespace Portcullis.Core.Upstreams.Credentials;

/// <summary>
/// Puts a connector's own credentials on every request to its HTTP upstream: headers from secret references,
/// resolved per request so a rotated secret is used without a restart, and the client-credentials token. A request
/// answered 401 with a client-credentials token is sent once more with a new token; a request still answered 401 or
/// 403 is thrown as <see cref="UpstreamCredentialsRefusedException"/>: the upstream did not act on it.
/// </summary>
/// <remarks>
/// The gateway never copies the caller's Authorization header; this handler is the only source of it. Sending a request
/// twice is safe: a 401 means it was not processed, and the SDK's body (<c>JsonContent</c>) serializes again for each
/// send, as for <see cref="Http.SameOriginRedirectHandler"/>'s.
/// </remarks>
internal sealed class UpstreamCredentialsHandler(GatewayConfig gateway, ConnectorConfig connector, ClientCredentialsTokenSource? tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await SendWithCredentialsAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized && tokens is not null && request.Headers.Authorization?.Parameter is { } refused)
        {
            // The token may have been revoked or rotated before it expired: drop it, and try once with a new one.
            response.Dispose();
            tokens.Drop(refused);
            response = await SendWithCredentialsAsync(request, cancellationToken).ConfigureAwait(false);
        }

        // Only a POST carries a call; a GET's refusal (the SDK's event stream) stays the SDK's to handle.
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden && request.Method == HttpMethod.Post)
        {
            var status = response.StatusCode;
            response.Dispose();
            throw new UpstreamCredentialsRefusedException(status);
        }

        return response;
    }

    private async Task<HttpResponseMessage> SendWithCredentialsAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            await AddCredentialsAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (request.Method == HttpMethod.Post && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // Nothing was sent (or what was sent was refused, 401): a write's key may be released and a read retried.
            // Whatever failed on the way to the credentials (the token endpoint unreachable or too slow, a secret file
            // unreadable, a token answer out of range) failed before the upstream was asked anything.
            throw new UpstreamNotReachedException(TimeSpan.FromSeconds(1),
                ex as UpstreamCredentialException ?? new UpstreamCredentialException($"getting the upstream's credentials failed ({ex.GetType().Name})", ex));
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task AddCredentialsAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = null;
        foreach (var (name, value) in connector.Upstream.Headers)
        {
            var absence = "not a secret reference";
            var secret = SecretReference.TryParse(value, out var reference) ? reference.Resolve(gateway.BaseDirectory, out absence) : null;
            if (string.IsNullOrEmpty(secret))
            {
                throw new UpstreamCredentialException($"the secret for upstream header '{name}' ({reference}) is not available: {absence}");
            }

            if (!HeaderText.IsSendableValue(secret))
            {
                throw new UpstreamCredentialException(
                    $"the secret for upstream header '{name}' ({reference}) holds a line break, a control or a non-ASCII character, which no header value may");
            }

            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, secret);
        }

        if (tokens is not null)
        {
            var token = await tokens.GetAsync(cancellationToken).ConfigureAwait(false);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }
}
