using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;
using static Portcullis.Tests.Errors.ErrorAssertions;

namespace Portcullis.Tests.Errors;

public sealed class PerPrincipalRateLimitTests
{
    [Fact]
    public async Task RateLimit_TwoPrincipals_DoNotShareABudget()
    {
        using var dir = new TempDir();
        await using var idp = await TestIdentityProvider.StartAsync();
        var connector = TestConfig.Protect(TestConfig.FixtureConnector("fixture", ["echo"]), ["fixture:read"]);
        connector["tools"] = new JsonObject { ["echo"] = TestConfig.Tool(["fixture:read"]) };
        connector["rate_limit"] = new JsonObject { ["permits"] = 2, ["window_seconds"] = 60 };
        var config = TestConfig.Gateway(connector);
        config["identity"] = new JsonObject { ["issuer"] = idp.Issuer, ["jwks_uri"] = idp.JwksUri };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        var audience = gateway.Endpoint("fixture").ToString();
        var alice = idp.Mint(audience, "fixture:read", change: c => c["sub"] = "alice");
        var bob = idp.Mint(audience, "fixture:read", change: c => c["sub"] = "bob");
        await using var aliceClient = await McpClients.ConnectAsync(gateway.Endpoint("fixture"), alice);
        await using var bobClient = await McpClients.ConnectAsync(gateway.Endpoint("fixture"), bob);
        var args = new Dictionary<string, object?> { ["text"] = "x" };

        Assert.NotEqual(true, (await aliceClient.CallToolAsync("echo", args, cancellationToken: Timeouts.CallToken)).IsError);
        Assert.NotEqual(true, (await aliceClient.CallToolAsync("echo", args, cancellationToken: Timeouts.CallToken)).IsError);
        var refused = await aliceClient.CallToolAsync("echo", args, cancellationToken: Timeouts.CallToken);

        var error = AssertError(refused, "rate_limited", retryable: true);
        Assert.InRange(error["retry_after_seconds"]!.GetValue<int>(), 1, 60);
        Assert.NotEqual(true, (await bobClient.CallToolAsync("echo", args, cancellationToken: Timeouts.CallToken)).IsError);
        Assert.NotEqual(true, (await bobClient.CallToolAsync("echo", args, cancellationToken: Timeouts.CallToken)).IsError);
        AssertError(await bobClient.CallToolAsync("echo", args, cancellationToken: Timeouts.CallToken), "rate_limited", retryable: true);
    }
}
