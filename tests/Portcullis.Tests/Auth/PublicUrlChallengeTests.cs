using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Auth;

/// <summary>Behind a proxy, every challenge names the metadata where clients reach it: from public_url, as the resource is.</summary>
public sealed class PublicUrlChallengeTests
{
    private const string Public = "https://mcp.example.com";
    private static readonly HttpClient Http = new() { Timeout = Timeouts.Call };

    /// <summary>
    /// Before, the 401 and the step-up 403 built the metadata's address from the request's own scheme and host: behind a
    /// TLS proxy clients were sent to http://, to the inner host, while the metadata named the public resource.
    /// </summary>
    [Fact]
    public async Task Challenges_BehindAProxy_NameTheMetadataAtThePublicUrl()
    {
        using var dir = new TempDir();
        await using var idp = await TestIdentityProvider.StartAsync();
        var config = TestConfig.Gateway(TestConfig.Protect(
            TestConfig.FixtureConnector("beta", ["echo", "typed"], tools: new JsonObject
            {
                ["echo"] = TestConfig.Tool(["fixture:read"]),
                ["typed"] = TestConfig.Tool(["fixture:typed"]),
            }),
            ["fixture:read", "fixture:typed"],
            stepUp: true));
        config["public_url"] = Public;
        config["allowed_hosts"] = new JsonArray("mcp.example.com");
        config["identity"] = new JsonObject { ["issuer"] = idp.Issuer, ["jwks_uri"] = idp.JwksUri };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        var metadata = $"resource_metadata=\"{Public}/.well-known/oauth-protected-resource/mcp/beta\"";
        var token = idp.Mint($"{Public}/mcp/beta", "fixture:read");

        using var unauthenticated = await PostAsync(gateway, null, AuthGateway.Initialize);
        using var initialized = await PostAsync(gateway, "Bearer " + token, AuthGateway.Initialize);
        var session = initialized.Headers.GetValues("Mcp-Session-Id").Single();
        using var stepUp = await PostAsync(gateway, "Bearer " + token, """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"typed","arguments":{}}}""", session);

        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Contains(metadata, AuthGateway.Challenge(unauthenticated), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, stepUp.StatusCode);
        Assert.Contains(metadata, AuthGateway.Challenge(stepUp), StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> PostAsync(GatewayProcess gateway, string? authorization, string json, string? session = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Endpoint("beta")) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Host = "mcp.example.com";
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Add("X-Forwarded-Proto", "https");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        }

        return await Http.SendAsync(request);
    }
}
