using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Upstreams.Credentials;

/// <summary>
/// An OAuth 2.0 client-credentials access token for one connector's upstream (RFC 6749 §4.4), cached and
/// renewed before it expires.
/// </summary>
internal sealed class ClientCredentialsTokenSource(
    string connector, UpstreamOAuthConfig oauth, string baseDirectory, HttpClient http, TimeProvider time, ILogger logger) : IDisposable
{
    /// <summary>The longest margin before expiry at which a token is renewed.</summary>
    private static readonly TimeSpan MaxMargin = TimeSpan.FromSeconds(60);

    /// <summary>The longest a token is used before it is asked for again, whatever <c>expires_in</c> says (1e300 would overflow).</summary>
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private CachedToken? _current;

    public async ValueTask<string> GetAsync(CancellationToken cancellationToken)
    {
        if (_current is { } fresh && time.GetUtcNow() < fresh.RenewAt)
        {
            return fresh.Value;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is { } other && time.GetUtcNow() < other.RenewAt)
            {
                return other.Value;
            }

            _current = await RequestAsync(cancellationToken).ConfigureAwait(false);
            return _current.Value;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets <paramref name="token"/> (the upstream refused it) unless it was already replaced, so the next request gets a new one.</summary>
    public void Drop(string token)
    {
        // Requests refused together drop it once; a token obtained meanwhile is kept.
        var current = _current;
        if (current?.Value == token)
        {
            Interlocked.CompareExchange(ref _current, null, current);
        }
    }

    private async Task<CachedToken> RequestAsync(CancellationToken cancellationToken)
    {
        var absence = "not a secret reference";
        var secret = SecretReference.TryParse(oauth.ClientSecret, out var reference) ? reference.Resolve(baseDirectory, out absence) : null;
        if (string.IsNullOrEmpty(secret))
        {
            throw new UpstreamCredentialException($"the upstream client secret ({reference}) is not available: {absence}");
        }

        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        if (oauth.Scopes.Count > 0)
        {
            form["scope"] = string.Join(' ', oauth.Scopes);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, oauth.TokenUrl) { Content = new FormUrlEncodedContent(form) };
        // client_secret_basic (RFC 6749 §2.3.1): both parts form-encoded, then base64.
        var basic = $"{Uri.EscapeDataString(oauth.ClientId)}:{Uri.EscapeDataString(secret)}";
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(basic)));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        var requestedAt = time.GetUtcNow();
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new UpstreamCredentialException($"the upstream token endpoint answered {(int)response.StatusCode}");
        }

        TokenResponse? body;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            body = await JsonSerializer.DeserializeAsync(stream, TokenResponseJsonContext.Default.TokenResponse, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            body = null;
        }

        if (body?.AccessToken is not { Length: > 0 } accessToken)
        {
            throw new UpstreamCredentialException("the upstream token endpoint answered without an access_token");
        }

        if (!HeaderText.IsSendableToken(accessToken))
        {
            throw new UpstreamCredentialException("the upstream token endpoint answered an access_token holding a space, a line break, a control or a non-ASCII character, which a bearer token may not");
        }

        // Without expires_in the token is treated as short-lived rather than eternal; a longer one than a day is renewed daily.
        var lifetime = TimeSpan.FromSeconds(body.ExpiresIn is > 0 ? Math.Min(body.ExpiresIn.Value, MaxLifetime.TotalSeconds) : 300);
        var margin = TimeSpan.FromTicks(Math.Min(MaxMargin.Ticks, lifetime.Ticks / 5));
        var token = new CachedToken(accessToken, requestedAt + lifetime - margin);
        Log.UpstreamTokenObtained(logger, connector, lifetime.TotalSeconds);
        return token;
    }

    public void Dispose() => _gate.Dispose();

    private sealed record CachedToken(string Value, DateTimeOffset RenewAt);
}
