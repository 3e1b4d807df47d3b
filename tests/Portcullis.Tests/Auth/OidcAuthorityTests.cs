using System.Net;
using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Auth;

/// <summary>With <c>identity.authority</c> the issuer and keys come from OIDC discovery.</summary>
public sealed class OidcAuthorityTests
{
    [Fact]
    public async Task Initialize_AuthorityDiscovery_AcceptsItsTokensAndRefusesOtherIssuers()
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.Protect(
            TestConfig.FixtureConnector("fixture", ["echo"], tools: new JsonObject { ["echo"] = TestConfig.Tool(["fixture:read"]) }),
            ["fixture:read"]));
        config["identity"] = new JsonObject { ["authority"] = idp.BaseUrl };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        var endpoint = gateway.Endpoint("fixture");

        using var wrongIssuer = await AuthGateway.PostAsync(endpoint, "Bearer " + idp.Mint(endpoint.ToString(), "fixture:read", issuer: "https://other.example/"), AuthGateway.Initialize);
        await using var client = await McpClients.ConnectAsync(endpoint, idp.Mint(endpoint.ToString(), "fixture:read"));

        Assert.Equal(HttpStatusCode.Unauthorized, wrongIssuer.StatusCode);
        Assert.Equal(["echo"], (await client.ListToolsAsync(cancellationToken: Timeouts.CallToken)).Select(t => t.Name));
        var metadata = JsonNode.Parse(await gateway.GetAsync("/.well-known/oauth-protected-resource/mcp/fixture"))!;
        Assert.Equal(idp.BaseUrl, metadata["authorization_servers"]![0]!.GetValue<string>());
    }
}
