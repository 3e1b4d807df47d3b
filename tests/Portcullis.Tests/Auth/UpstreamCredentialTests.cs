using System.Text.Json.Nodes;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Auth;

/// <summary>The upstream sees the connector's own credential, never the caller's token; client credentials renew in time.</summary>
public sealed class UpstreamCredentialTests
{
    private const string ClientSecretVariable = "PORTCULLIS_TEST_UPSTREAM_CLIENT_SECRET";

    [Fact]
    public async Task CallTool_OAuthUpstream_UpstreamReceivesConnectorTokenNeverClientToken()
    {
        await using var upstream = await FixtureHttpServer.StartAsync();
        await using var tokens = await TestTokenEndpoint.StartAsync(lifetimeSeconds: 3600);
        await using var idp = await TestIdentityProvider.StartAsync();
        using var dir = new TempDir();
        Environment.SetEnvironmentVariable(ClientSecretVariable, "s3cr3t-client");
        var config = OAuthUpstreamConfig(idp, upstream, tokens);
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        var clientToken = idp.Mint(gateway.Endpoint("remote").ToString(), "fixture:read");

        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"), clientToken);
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hi" }, cancellationToken: Timeouts.CallToken);

        Assert.NotEqual(true, result.IsError);
        var received = await upstream.ReceivedAuthorizationsAsync();
        Assert.NotEmpty(received);
        Assert.All(received, a => Assert.StartsWith("Bearer upstream-token-1-", a, StringComparison.Ordinal));
        Assert.DoesNotContain(received, a => a.Contains(clientToken, StringComparison.Ordinal));
        Assert.Equal(1, tokens.Requests);
        Assert.Equal("gateway-client:s3cr3t-client", tokens.LastClientCredentials);
        Assert.Equal("upstream:read upstream:write", tokens.LastScope);
        var readyz = await gateway.GetAsync("/readyz");
        var upstreamToken = received[0]["Bearer ".Length..];
        foreach (var secret in new[] { "s3cr3t-client", upstreamToken, clientToken })
        {
            Assert.DoesNotContain(secret, readyz, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, gateway.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CallTool_ShortLivedUpstreamToken_IsCachedAndRenewedBeforeExpiry()
    {
        await using var upstream = await FixtureHttpServer.StartAsync();
        await using var tokens = await TestTokenEndpoint.StartAsync(lifetimeSeconds: 10);
        await using var idp = await TestIdentityProvider.StartAsync();
        using var dir = new TempDir();
        Environment.SetEnvironmentVariable(ClientSecretVariable, "s3cr3t-client");
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, OAuthUpstreamConfig(idp, upstream, tokens)), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"), idp.Mint(gateway.Endpoint("remote").ToString(), "fixture:read"));

        // Steady traffic until the 10-second token has been renewed twice; every call must use an unexpired token.
        await Poll.UntilAsync(
            async ct =>
            {
                var sent = DateTimeOffset.UtcNow;
                var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hi" }, cancellationToken: ct);
                Assert.NotEqual(true, result.IsError);
                var received = await upstream.ReceivedAuthorizationsAsync();
                var used = received[^1]["Bearer ".Length..];
                // The token was used after the call was sent (renewed at 80 % of its life, it has 2 s left at worst, and a
                // busy machine may take longer than that to get here): it must have been valid then.
                Assert.True(tokens.ExpiryOf(used) > sent, "the gateway used an upstream token that had expired");
                return tokens.Requests >= 3;
            },
            Timeouts.Startup,
            "the upstream token to be renewed twice");

        var all = await upstream.ReceivedAuthorizationsAsync();
        Assert.True(all.Length > all.Distinct().Count(), "each upstream token should serve several requests (cached)");
    }

    /// <summary>
    /// Before, an upstream that refused a token it had revoked before its expiry got the same token until it expired, and the
    /// write was answered idempotency_outcome_unknown although a 401 means it was not processed.
    /// </summary>
    [Fact]
    public async Task CallTool_UpstreamRefusesTheCachedToken_RetriesOnceWithANewTokenAndTheWriteRunsOnce()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        await using var upstream = await FixtureHttpServer.StartAsync(null, "--record", record);
        await using var tokens = await TestTokenEndpoint.StartAsync(lifetimeSeconds: 3600);
        await using var gateway = await StartWithRecordingOAuthUpstreamAsync(dir, upstream, tokens);
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"));
        await upstream.SetModeAsync("401_once");

        var write = await client.CallToolAsync("record", new Dictionary<string, object?> { ["note"] = "revoked", ["idempotency_key"] = "k-revoked" }, cancellationToken: Timeouts.CallToken);

        Assert.NotEqual(true, write.IsError);
        Assert.Equal(2, tokens.Requests);
        var received = await upstream.ReceivedAuthorizationsAsync();
        Assert.StartsWith("Bearer upstream-token-2-", received[^1], StringComparison.Ordinal);
        await Poll.UntilAsync(() => File.Exists(record) && File.ReadAllText(record).Contains("revoked", StringComparison.Ordinal), Timeouts.Call, "the fixture's record");
        Assert.Single(File.ReadAllLines(record), l => l.Contains("revoked", StringComparison.Ordinal));
    }

    /// <summary>
    /// Before, a token endpoint that could not be reached (refused, or too slow) failed the write as if it had been sent:
    /// idempotency_outcome_unknown, its key held, although the upstream was never asked.
    /// </summary>
    [Fact]
    public async Task CallTool_TokenEndpointGoneWhenTheTokenIsRenewed_TheWriteIsNotReached_NotOutcomeUnknown()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        await using var upstream = await FixtureHttpServer.StartAsync(null, "--record", record);
        var tokens = await TestTokenEndpoint.StartAsync(lifetimeSeconds: 2);
        await using var gateway = await StartWithRecordingOAuthUpstreamAsync(dir, upstream, tokens);
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"));
        Assert.NotEqual(true, (await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Timeouts.CallToken)).IsError);
        await tokens.DisposeAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));

        var write = await client.CallToolAsync("record", new Dictionary<string, object?> { ["note"] = "never sent", ["idempotency_key"] = "k-unsent" }, cancellationToken: Timeouts.CallToken);

        Assert.Equal("upstream_unavailable", Witness.ErrorCode(write));
        Assert.False(File.Exists(record) && File.ReadAllText(record).Contains("never sent", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CallTool_HeaderFromFileSecret_IsReadPerRequestSoRotationNeedsNoRestart()
    {
        await using var upstream = await FixtureHttpServer.StartAsync();
        await using var idp = await TestIdentityProvider.StartAsync();
        using var dir = new TempDir();
        var secretFile = dir.File("upstream-auth");
        File.WriteAllText(secretFile, "Bearer static-one\n");
        var connector = RemoteConnector(upstream);
        connector["upstream"]!["headers"] = new JsonObject { ["Authorization"] = "file:upstream-auth" };
        var config = TestConfig.Gateway(connector);
        config["identity"] = new JsonObject { ["issuer"] = idp.Issuer, ["jwks_uri"] = idp.JwksUri };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        var clientToken = idp.Mint(gateway.Endpoint("remote").ToString(), "fixture:read");
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"), clientToken);

        await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "one" }, cancellationToken: Timeouts.CallToken);
        File.WriteAllText(secretFile, "Bearer static-two\n");
        await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "two" }, cancellationToken: Timeouts.CallToken);

        var received = await upstream.ReceivedAuthorizationsAsync();
        Assert.Contains("Bearer static-one", received);
        Assert.Equal("Bearer static-two", received[^1]);
        Assert.All(received, a => Assert.StartsWith("Bearer static-", a, StringComparison.Ordinal));
        Assert.DoesNotContain("static-", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A header secret holding a line break would end the header and start another one of its own: the write is refused
    /// before anything is sent (not reached, its key released), never sent with a header the operator did not write.
    /// </summary>
    [Fact]
    public async Task CallTool_HeaderSecretHoldingALineBreak_IsNotSent()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        await using var upstream = await FixtureHttpServer.StartAsync(null, "--record", record);
        File.WriteAllText(dir.File("upstream-auth"), "Bearer one\r\nX-Injected: yes\n");
        var connector = TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo", "record"]);
        connector["upstream"]!["headers"] = new JsonObject { ["Authorization"] = "file:upstream-auth" };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(connector)), dir.File("data"), waitReady: false);
        await gateway.WaitListeningAsync();
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"));

        var write = await client.CallToolAsync("record", new Dictionary<string, object?> { ["note"] = "never sent", ["idempotency_key"] = "k-crlf" }, cancellationToken: Timeouts.CallToken);

        Assert.Equal("upstream_unavailable", Witness.ErrorCode(write));
        Assert.False(File.Exists(record) && File.ReadAllText(record).Contains("never sent", StringComparison.Ordinal));
        Assert.Contains("holds a line break", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Injected", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>A gateway whose connector <c>remote</c> reaches <paramref name="upstream"/> with tokens from <paramref name="tokens"/>; <c>echo</c> and <c>record</c> allowed.</summary>
    private static Task<GatewayProcess> StartWithRecordingOAuthUpstreamAsync(TempDir dir, FixtureHttpServer upstream, TestTokenEndpoint tokens)
    {
        Environment.SetEnvironmentVariable(ClientSecretVariable, "s3cr3t-client");
        var connector = TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo", "record"]);
        connector["upstream"]!["oauth"] = new JsonObject
        {
            ["token_url"] = tokens.TokenUrl,
            ["client_id"] = "gateway-client",
            ["client_secret"] = "env:" + ClientSecretVariable,
        };
        return GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(connector)), dir.File("data"));
    }

    private static JsonObject OAuthUpstreamConfig(TestIdentityProvider idp, FixtureHttpServer upstream, TestTokenEndpoint tokens)
    {
        var connector = RemoteConnector(upstream);
        connector["upstream"]!["oauth"] = new JsonObject
        {
            ["token_url"] = tokens.TokenUrl,
            ["client_id"] = "gateway-client",
            ["client_secret"] = "env:" + ClientSecretVariable,
            ["scopes"] = new JsonArray("upstream:read", "upstream:write"),
        };
        var config = TestConfig.Gateway(connector);
        config["identity"] = new JsonObject { ["issuer"] = idp.Issuer, ["jwks_uri"] = idp.JwksUri };
        return config;
    }

    private static JsonObject RemoteConnector(FixtureHttpServer upstream) => TestConfig.Protect(
        new JsonObject
        {
            ["server"] = "remote",
            ["environment"] = "test",
            ["upstream"] = new JsonObject { ["url"] = upstream.McpUrl },
            ["tools_allow"] = new JsonArray("echo"),
            ["tools"] = new JsonObject { ["echo"] = TestConfig.Tool(["fixture:read"]) },
        },
        ["fixture:read"]);
}
