using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Auth;

/// <summary>The embedded development issuer and <c>portcullis token</c>: the README's run command needs nothing else.</summary>
public sealed class DevIdentityTests
{
    [Fact]
    public async Task Token_SampleConfig_OpensTheProtectedCrm()
    {
        using var dir = new TempDir();
        var sample = Path.Combine(RepoPaths.Root, "samples", "crm", "portcullis.json");
        await using var gateway = await GatewayProcess.StartAsync(sample, dir.File("data"), extraArgs: AdminPlane.ServeArgs);
        var endpoint = gateway.Endpoint("crm-mcp");

        using var anonymous = await AuthGateway.PostAsync(endpoint, null, AuthGateway.Initialize);
        var output = await RunTokenAsync(sample, "--data-dir", dir.File("data"), "--listen", gateway.BaseUrl, "--connector", "crm-mcp", "--scopes", "contacts:read");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        await using var client = await McpClients.ConnectAsync(endpoint, LastLine(output));
        Assert.Equal(["find_contact"], (await client.ListToolsAsync(cancellationToken: Timeouts.CallToken)).Select(t => t.Name));
        var ada = await client.CallToolAsync("find_contact", new Dictionary<string, object?> { ["query"] = "ada@example.com" }, cancellationToken: Timeouts.CallToken);
        Assert.Contains("Ada Lovelace", ada.StructuredContent!.Value.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_AfterRestart_KeyIsReusedAndJwksPublishesIt()
    {
        using var dir = new TempDir();
        var path = TestConfig.Write(dir, DevConfig());
        var data = dir.File("data");

        // The key the token command creates before any gateway runs is the one every gateway after signs with.
        var before = LastLine(await RunTokenAsync(path, "--data-dir", data, "--listen", "http://127.0.0.1:1", "--connector", "fixture", "--scopes", "fixture:read"));
        await using var first = await GatewayProcess.StartAsync(path, data);
        var token = LastLine(await RunTokenAsync(path, "--data-dir", data, "--listen", first.BaseUrl, "--connector", "fixture", "--scopes", "fixture:read"));
        var jwks = JsonNode.Parse(await first.GetAsync("/.well-known/jwks.json"))!;
        await first.KillAsync();

        await using var second = await first.RestartAsync();
        await using var client = await McpClients.ConnectAsync(second.Endpoint("fixture"), token);

        Assert.Equal(jwks.ToJsonString(), JsonNode.Parse(await second.GetAsync("/.well-known/jwks.json"))!.ToJsonString());
        var key = Assert.Single(jwks["keys"]!.AsArray())!;
        Assert.Equal(KeyIdOf(before), key["kid"]!.GetValue<string>());
        Assert.Equal("RSA", key["kty"]!.GetValue<string>());
        Assert.False(key.AsObject().ContainsKey("d"), "the JWKS must never publish the private key");
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hi" }, cancellationToken: Timeouts.CallToken);
        Assert.NotEqual(true, echo.IsError);
        var metadata = JsonNode.Parse(await second.GetAsync("/.well-known/oauth-protected-resource/mcp/fixture"))!;
        Assert.Equal(second.BaseUrl, metadata["authorization_servers"]![0]!.GetValue<string>());
    }

    [Theory]
    [InlineData("--ttl", "7200")]
    [InlineData("--environment", "prod")]
    [InlineData("--audience", "https://elsewhere.example/mcp/fixture")]
    public async Task Token_OverridingFlag_ShowsHowThePolicyTreatsABadToken(string flag, string value)
    {
        using var dir = new TempDir();
        var path = TestConfig.Write(dir, DevConfig());
        await using var gateway = await GatewayProcess.StartAsync(path, dir.File("data"));

        var token = LastLine(await RunTokenAsync(path, "--data-dir", dir.File("data"), "--listen", gateway.BaseUrl, "--connector", "fixture", "--scopes", "fixture:read", flag, value));
        using var response = await AuthGateway.PostAsync(gateway.Endpoint("fixture"), "Bearer " + token, AuthGateway.Initialize);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("token")]
    [InlineData("lint")]
    public async Task Help_EveryVerb_DescribesItsOptions(string verb)
    {
        var output = await RunAsync(verb, "--help");

        Assert.Contains("--config", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_WithoutDevIdentity_RefusesWithExitCode2()
    {
        using var dir = new TempDir();
        var config = DevConfig();
        config["identity"] = new JsonObject { ["issuer"] = "https://login.example.com/", ["jwks_uri"] = "https://login.example.com/keys" };
        var path = TestConfig.Write(dir, config);

        var (exit, output) = await RunWithExitAsync("token", "--config", path, "--connector", "fixture", "--scopes", "fixture:read");

        Assert.Equal(2, exit);
        Assert.Contains("identity", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, each minted a token the gateway then refused (no subject, one with a control character or over 255 UTF-8
    /// bytes; already expired); a <c>--ttl</c> that is not a number, or past the largest, ended in an unhandled exception's stack trace (exit 134) instead of exit 2.
    /// </summary>
    [Theory]
    [InlineData("--subject", "", "--subject must not be empty")]
    [InlineData("--subject", "a\u001fb", "--subject must not hold a control character")]
    [InlineData("--subject", "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
        + "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
        + "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
        + "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9",
        "--subject is 256 bytes in UTF-8; the gateway refuses a subject over 255")]
    [InlineData("--ttl", "0", "--ttl must be at least 1 second")]
    [InlineData("--ttl", "-60", "--ttl must be at least 1 second")]
    [InlineData("--ttl", "abc", "--ttl 'abc': give a whole number of seconds")]
    [InlineData("--ttl", "99999999999", "--ttl '99999999999': give a whole number of seconds")]
    public async Task Token_ThatTheGatewayWouldRefuse_IsNotMinted(string flag, string value, string error)
    {
        using var dir = new TempDir();
        var path = TestConfig.Write(dir, DevConfig());

        var (exit, output) = await RunWithExitAsync(
            "token", "--config", path, "--data-dir", dir.File("data"), "--listen", "http://127.0.0.1:8080", "--connector", "fixture", "--scopes", "fixture:read", flag, value);

        Assert.Equal(2, exit);
        Assert.Contains(error, output, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    /// <summary>Before, <c>--scopes ""</c> (an unset shell variable, say) minted a token holding no scope, exit 0, without a word.</summary>
    [Theory]
    [InlineData("")]
    [InlineData(" , ")]
    public async Task Token_ScopesNamingNoScope_IsNotMinted(string scopes)
    {
        using var dir = new TempDir();
        var path = TestConfig.Write(dir, DevConfig());

        var (exit, output) = await RunWithExitAsync(
            "token", "--config", path, "--data-dir", dir.File("data"), "--listen", "http://127.0.0.1:8080", "--connector", "fixture", "--scopes", scopes);
        var (adminExit, adminOutput) = await RunWithExitAsync(
            "token", "--config", path, "--data-dir", dir.File("data"), "--listen", "http://127.0.0.1:8080", "--admin-listen", "http://127.0.0.1:9090", "--admin", "--scopes", scopes);

        Assert.Equal(2, exit);
        Assert.Contains("--scopes names no scope", output, StringComparison.Ordinal);
        Assert.Contains("granted here: fixture:read", output, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", output, StringComparison.Ordinal);
        Assert.Equal(2, adminExit);
        Assert.Contains("granted here: portcullis:admin,portcullis:review", adminOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", adminOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_ScopeTheConnectorDoesNotGrant_IsMintedWithAWarningNamingWhatItGrants()
    {
        using var dir = new TempDir();
        var path = TestConfig.Write(dir, DevConfig());

        var (exit, output) = await RunWithExitAsync(
            "token", "--config", path, "--data-dir", dir.File("data"), "--listen", "http://127.0.0.1:8080", "--connector", "fixture", "--scopes", "fixture:read,fixture:raed");
        var (adminExit, adminOutput) = await RunWithExitAsync(
            "token", "--config", path, "--data-dir", dir.File("data"), "--listen", "http://127.0.0.1:8080", "--admin-listen", "http://127.0.0.1:9090", "--admin", "--scopes", "portcullis:admin,portcullis:reveiw");

        Assert.Equal(0, exit);
        Assert.Contains("warning: 'fixture:raed' is not a scope this connector grants (fixture:read", output, StringComparison.Ordinal);
        Assert.DoesNotContain("'fixture:read' is not", output, StringComparison.Ordinal);
        Assert.Contains("eyJ", output, StringComparison.Ordinal);
        Assert.Equal(0, adminExit);
        Assert.Contains("warning: 'portcullis:reveiw' is not a scope this admin plane grants (portcullis:admin, portcullis:review)", adminOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_ConfigOnPortZeroWithoutListen_AsksForTheLoggedUrl()
    {
        using var dir = new TempDir();
        var path = TestConfig.Write(dir, DevConfig());

        var (exit, output) = await RunWithExitAsync("token", "--config", path, "--data-dir", dir.File("data"), "--connector", "fixture", "--scopes", "fixture:read");

        Assert.Equal(2, exit);
        Assert.Contains("pass --listen with the URL it logged", output, StringComparison.Ordinal);
    }

    /// <summary>A gateway on the development identity, on a port of its own, with one protected connector.</summary>
    internal static JsonObject DevConfig()
    {
        var config = TestConfig.Gateway(TestConfig.Protect(
            TestConfig.FixtureConnector("fixture", ["echo"], tools: new JsonObject { ["echo"] = TestConfig.Tool(["fixture:read"]) }),
            ["fixture:read"],
            ttlSeconds: 3600));
        config["listen"] = "http://127.0.0.1:0";
        config["identity"] = new JsonObject { ["dev"] = true };
        return config;
    }

    private static string LastLine(string output) => output.TrimEnd().Split('\n')[^1].Trim();

    private static string KeyIdOf(string token) => new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Kid;

    private static Task<string> RunTokenAsync(string configPath, params string[] args) => RunAsync(["token", "--config", configPath, .. args]);

    private static async Task<string> RunAsync(params string[] args)
    {
        var (exit, output) = await RunWithExitAsync(args);
        Assert.True(exit == 0, $"portcullis {string.Join(' ', args)} exited with {exit}:\n{output}");
        return output;
    }

    private static async Task<(int Exit, string Output)> RunWithExitAsync(params string[] args)
    {
        var (exit, _, output) = await PortcullisCli.RunAsync(args);
        return (exit, output);
    }
}
