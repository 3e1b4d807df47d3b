using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Portcullis.Tests.Infrastructure;

/// <summary>
/// An identity provider in the test process: a real Kestrel on loopback serving a JWKS, and the private keys to
/// sign tokens with. Keys can be rotated (a new <c>kid</c> published) while the gateway runs.
/// </summary>
internal sealed class TestIdentityProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<RsaSecurityKey> _published = [];
    private int _jwksRequests;
    private long _lastJwksRequestAt;

    private TestIdentityProvider(WebApplication app)
    {
        _app = app;
        Current = NewKey();
        _published.Add(Current);
    }

    /// <summary>The address the provider bound (port 0), known once it has started.</summary>
    public string BaseUrl { get; private set; } = "";

    public string Issuer => BaseUrl + "/";

    public string JwksUri => BaseUrl + "/jwks";

    /// <summary>The key tokens are signed with by default; always published.</summary>
    public RsaSecurityKey Current { get; private set; }

    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    /// <summary>When the last key document request was counted (<see cref="System.Diagnostics.Stopwatch"/> ticks).</summary>
    public long LastJwksRequestAt => Volatile.Read(ref _lastJwksRequestAt);

    /// <summary>While set, the key document is answered 500 (an outage of the provider; IdentityModel asks again at once after a 503).</summary>
    public bool Failing { get; set; }

    /// <summary>
    /// While set, each key document is held, once its keys are read, until this task completes: a fetch that is in
    /// flight while the keys change.
    /// </summary>
    public Task? HoldAnswers { get; set; }

    public static async Task<TestIdentityProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var provider = new TestIdentityProvider(app);
        app.MapGet("/jwks", provider.Jwks);
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new { issuer = provider.Issuer, jwks_uri = provider.JwksUri }));
        await app.StartAsync().WaitAsync(Timeouts.Startup);
        provider.BaseUrl = app.Urls.First().TrimEnd('/');
        return provider;
    }

    /// <summary>A fresh RSA key with its own <c>kid</c>, not yet published.</summary>
    public static RsaSecurityKey NewKey() =>
        new(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N")[..16] };

    /// <summary>Publishes <paramref name="key"/> beside the existing keys and signs with it from now on.</summary>
    public void Rotate(RsaSecurityKey key)
    {
        lock (_gate)
        {
            _published.Add(key);
            Current = key;
        }
    }

    /// <summary>Stops publishing <paramref name="key"/> (as after its compromise); signs with <paramref name="successor"/>, published, from now on.</summary>
    public void Withdraw(RsaSecurityKey key, RsaSecurityKey successor)
    {
        lock (_gate)
        {
            _published.Remove(key);
            _published.Add(successor);
            Current = successor;
        }
    }

    /// <summary>A token for <paramref name="audience"/>; <paramref name="change"/> may alter any claim before signing, <paramref name="header"/> adds header parameters.</summary>
    public string Mint(string audience, string scopes, string environment = "test", TimeSpan? lifetime = null,
        DateTimeOffset? issuedAt = null, Action<Dictionary<string, object>>? change = null, SecurityKey? key = null, string? issuer = null,
        Dictionary<string, object>? header = null)
    {
        var iat = issuedAt ?? DateTimeOffset.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["iss"] = issuer ?? Issuer,
            ["aud"] = audience,
            ["sub"] = "test-user",
            ["client_id"] = "test-client",
            ["env"] = environment,
            ["scope"] = scopes,
            ["iat"] = iat.ToUnixTimeSeconds(),
            ["nbf"] = iat.ToUnixTimeSeconds(),
            ["exp"] = (iat + (lifetime ?? TimeSpan.FromMinutes(10))).ToUnixTimeSeconds(),
        };
        change?.Invoke(claims);
        return Sign(claims, key ?? Current, header);
    }

    public static string Sign(Dictionary<string, object> claims, SecurityKey key, Dictionary<string, object>? header = null) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            AdditionalHeaderClaims = header,
            SigningCredentials = new SigningCredentials(key, key is SymmetricSecurityKey ? SecurityAlgorithms.HmacSha256 : SecurityAlgorithms.RsaSha256),
        });

    private async Task<IResult> Jwks()
    {
        if (Failing)
        {
            Volatile.Write(ref _lastJwksRequestAt, System.Diagnostics.Stopwatch.GetTimestamp());
            Interlocked.Increment(ref _jwksRequests);
            return Results.StatusCode(StatusCodes.Status500InternalServerError);
        }

        var keys = new JsonArray();
        lock (_gate)
        {
            foreach (var key in _published)
            {
                var parameters = key.Rsa.ExportParameters(includePrivateParameters: false);
                keys.Add(new JsonObject
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["alg"] = "RS256",
                    ["kid"] = key.KeyId,
                    ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                    ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                });
            }
        }

        // Counted once its keys are read, so a test that sees the count knows which keys the answer holds.
        Volatile.Write(ref _lastJwksRequestAt, System.Diagnostics.Stopwatch.GetTimestamp());
        Interlocked.Increment(ref _jwksRequests);
        if (HoldAnswers is { } hold)
        {
            await hold.WaitAsync(Timeouts.Call);
        }

        return Results.Text(new JsonObject { ["keys"] = keys }.ToJsonString(), "application/json");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(Timeouts.Exit);
        await _app.DisposeAsync();
    }
}
