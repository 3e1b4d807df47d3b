using System.Net.Http.Headers;
using Portcullis.Core.Configuration;
using Portcullis.Core.Upstreams.Http;

namespace Portcullis.Core.Upstreams.Credentials;

/// <summary>
/// Puts a connector's own credentials on every request to its HTTP upstream: headers from secret references,
/// resolved per request so a rotated secret is used without a restart, and the client-credentials token.
/// </summary>
/// <remarks>The gateway never copies the caller's Authorization header; this handler is the only source of it.</remarks>
internal sealed class UpstreamCredentialsHandler(GatewayConfig gateway, ConnectorConfig connector, ClientCredentialsTokenSource? tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            await AddCredentialsAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (UpstreamCredentialException ex) when (request.Method == HttpMethod.Post)
        {
            // Nothing was sent: a write's key may be released and a read retried.
            throw new UpstreamNotReachedException(TimeSpan.FromSeconds(1), ex);
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task AddCredentialsAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = null;
        foreach (var (name, value) in connector.Upstream.Headers)
        {
            var secret = SecretReference.TryParse(value, out var reference) ? reference.Resolve(gateway.BaseDirectory) : null;
            if (string.IsNullOrEmpty(secret))
            {
                throw new UpstreamCredentialException($"the secret for upstream header '{name}' ({reference}) is not available");
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
