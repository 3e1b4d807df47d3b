using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Portcullis.Tests.Infrastructure;

/// <summary>
/// An OAuth token endpoint for upstream client credentials: issues short-lived opaque tokens, counts requests and
/// remembers when each token expires, so a test can tell whether the gateway renewed in time.
/// </summary>
internal sealed class TestTokenEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _expiries = new();
    private int _requests;

    private TestTokenEndpoint(WebApplication app, int lifetimeSeconds)
    {
        _app = app;
        LifetimeSeconds = lifetimeSeconds;
    }

    /// <summary>The token endpoint at the address the server bound (port 0), known once it has started.</summary>
    public string TokenUrl { get; private set; } = "";

    public int LifetimeSeconds { get; }

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The Basic credentials of the last request, decoded (client_id:client_secret).</summary>
    public string? LastClientCredentials { get; private set; }

    public string? LastScope { get; private set; }

    public static async Task<TestTokenEndpoint> StartAsync(int lifetimeSeconds)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var endpoint = new TestTokenEndpoint(app, lifetimeSeconds);
        app.MapPost("/token", (Func<HttpContext, Task<IResult>>)endpoint.IssueAsync);
        await app.StartAsync().WaitAsync(Timeouts.Startup);
        endpoint.TokenUrl = app.Urls.First().TrimEnd('/') + "/token";
        return endpoint;
    }

    public DateTimeOffset? ExpiryOf(string token) => _expiries.TryGetValue(token, out var expiry) ? expiry : null;

    private async Task<IResult> IssueAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var basic = context.Request.Headers.Authorization.ToString();
        LastClientCredentials = basic.StartsWith("Basic ", StringComparison.Ordinal)
            ? Encoding.UTF8.GetString(Convert.FromBase64String(basic[6..]))
            : null;
        LastScope = form["scope"];
        if (form["grant_type"] != "client_credentials" || LastClientCredentials != "gateway-client:s3cr3t-client")
        {
            return Results.Json(new { error = "invalid_client" }, statusCode: 401);
        }

        var number = Interlocked.Increment(ref _requests);
        var token = $"upstream-token-{number}-{Guid.NewGuid():N}";
        _expiries[token] = DateTimeOffset.UtcNow.AddSeconds(LifetimeSeconds);
        return Results.Json(new { access_token = token, token_type = "Bearer", expires_in = LifetimeSeconds });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(Timeouts.Exit);
        await _app.DisposeAsync();
    }
}
