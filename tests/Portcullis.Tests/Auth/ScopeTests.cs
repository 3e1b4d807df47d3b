using System.Net;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using Portcullis.Tests.Gateway;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Auth;

/// <summary>Scopes shape what a caller sees and may call; step-up connectors challenge instead of hiding.</summary>
public sealed class ScopeTests : IAsyncLifetime
{
    private AuthGateway _auth = null!;

    public async Task InitializeAsync() => _auth = await AuthGateway.StartAsync();

    public async Task DisposeAsync() => await _auth.DisposeAsync();

    [Theory]
    [InlineData("fixture:read", new[] { "echo" })]
    [InlineData("fixture:typed", new[] { "typed" })]
    [InlineData("fixture:read fixture:typed", new[] { "echo", "typed" })]
    [InlineData("unrelated:scope", new string[0])]
    public async Task ToolsList_Scopes_ShowOnlyCallableTools(string scopes, string[] expected)
    {
        await using var client = await McpClients.ConnectAsync(_auth.Gateway.Endpoint("alpha"), _auth.Token("alpha", scopes));

        var tools = await client.ListToolsAsync(cancellationToken: Timeouts.CallToken);

        Assert.Equal(expected, tools.Select(t => t.Name).Order());
    }

    /// <summary>Before, the scopes of both claims were added up, so an scp claim beside scope granted more than scope said.</summary>
    [Theory]
    [InlineData("fixture:read", "fixture:typed", new[] { "echo" })]
    [InlineData(null, "fixture:typed", new[] { "typed" })]
    [InlineData(null, "fixture:read fixture:typed", new[] { "echo", "typed" })]
    public async Task ToolsList_ScopeAndScpClaims_ScopeWinsWhenPresent(string? scope, string scp, string[] expected)
    {
        var token = _auth.Idp.Mint(_auth.Resource("alpha"), scope ?? "", change: claims =>
        {
            if (scope is null)
            {
                claims.Remove("scope");
            }

            claims["scp"] = scp;
        });
        await using var client = await McpClients.ConnectAsync(_auth.Gateway.Endpoint("alpha"), token);

        var tools = await client.ListToolsAsync(cancellationToken: Timeouts.CallToken);

        Assert.Equal(expected, tools.Select(t => t.Name).Order());
    }

    /// <summary>
    /// Before, a scope claim naming no scope (an empty array) made no claim of the identity, and the scopes were read from
    /// scp instead: the second claim the rule "scope when the token has one" keeps out granted every tool.
    /// </summary>
    [Fact]
    public async Task ToolsList_EmptyScopeArrayBesideScp_GrantsNothing()
    {
        var token = _auth.Idp.Mint(_auth.Resource("alpha"), "", change: claims =>
        {
            claims["scope"] = Array.Empty<string>();
            claims["scp"] = "fixture:read fixture:typed";
        });
        await using var client = await McpClients.ConnectAsync(_auth.Gateway.Endpoint("alpha"), token);

        var tools = await client.ListToolsAsync(cancellationToken: Timeouts.CallToken);

        Assert.Empty(tools);
    }

    [Fact]
    public async Task CallTool_MissingScope_AnswersToolNotFound()
    {
        await using var client = await McpClients.ConnectAsync(_auth.Gateway.Endpoint("alpha"), _auth.Token("alpha", "fixture:read"));

        var refused = await client.CallToolAsync("typed", cancellationToken: Timeouts.CallToken);
        var allowed = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hi" }, cancellationToken: Timeouts.CallToken);

        Assert.True(refused.IsError);
        Assert.Equal("tool_not_found", ToolForwardingTests.ErrorOf(refused)["code"]!.GetValue<string>());
        Assert.NotEqual(true, allowed.IsError);
    }

    [Fact]
    public async Task ToolsList_StepUpConnector_ListsEveryAllowListedTool()
    {
        await using var client = await McpClients.ConnectAsync(_auth.Gateway.Endpoint("beta"), _auth.Token("beta", "fixture:read"));

        var tools = await client.ListToolsAsync(cancellationToken: Timeouts.CallToken);

        Assert.Equal(["echo", "typed"], tools.Select(t => t.Name).Order());
    }

    [Fact]
    public async Task CallTool_StepUpMissingScope_Returns403NamingTheScopes()
    {
        using var answers = await CallTypedAndEchoAsync(_auth.Gateway.Endpoint("beta"), "Bearer " + _auth.Token("beta", "fixture:read"));
        var (refused, allowed) = (answers.Typed, answers.Echo);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var challenge = AuthGateway.Challenge(refused);
        Assert.StartsWith("Bearer error=\"insufficient_scope\", scope=\"fixture:typed\", ", challenge, StringComparison.Ordinal);
        Assert.Contains($"resource_metadata=\"{_auth.MetadataUrl("beta")}\"", challenge, StringComparison.Ordinal);
        var body = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        Assert.Equal("insufficient_scope", body["error"]!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Contains("hi", await allowed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, until the upstream had listed its tools, a step-up connector answered a caller lacking a scope
    /// <c>tool_not_found</c> (not retryable) instead of the challenge: the check looked only in the (empty) catalog.
    /// </summary>
    [Fact]
    public async Task CallTool_StepUpMissingScope_WhileTheUpstreamHasNotListedItsTools_Returns403NamingTheScopes()
    {
        using var dir = new TempDir();
        await using var idp = await TestIdentityProvider.StartAsync();
        var down = TestConfig.Protect(
            TestConfig.FixtureConnector("down", ["echo", "typed"], tools: new JsonObject
            {
                ["echo"] = TestConfig.Tool(["fixture:read"]),
                ["typed"] = TestConfig.Tool(["fixture:typed"]),
            }),
            ["fixture:read", "fixture:typed"],
            stepUp: true);
        down["upstream"] = new JsonObject { ["command"] = "false" }; // exits at once: never lists its tools
        var config = TestConfig.Gateway(down);
        config["identity"] = new JsonObject { ["issuer"] = idp.Issuer, ["jwks_uri"] = idp.JwksUri };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"), waitReady: false);
        await gateway.WaitListeningAsync();
        var endpoint = gateway.Endpoint("down");
        using var answers = await CallTypedAndEchoAsync(endpoint, "Bearer " + idp.Mint(endpoint.ToString(), "fixture:read"));
        var (refused, waiting) = (answers.Typed, answers.Echo);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.StartsWith("Bearer error=\"insufficient_scope\", scope=\"fixture:typed\", ", AuthGateway.Challenge(refused), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, waiting.StatusCode);
        Assert.Contains("upstream_unavailable", await waiting.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_StepUpMissingScope_RealClientSeesForbidden()
    {
        await using var client = await McpClients.ConnectAsync(_auth.Gateway.Endpoint("beta"), _auth.Token("beta", "fixture:read"));

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => client.CallToolAsync("typed", cancellationToken: Timeouts.CallToken).AsTask());

        Assert.Contains("403", ex.ToString(), StringComparison.Ordinal);
        await using var upgraded = await McpClients.ConnectAsync(_auth.Gateway.Endpoint("beta"), _auth.Token("beta", "fixture:read fixture:typed"));
        Assert.NotEqual(true, (await upgraded.CallToolAsync("typed", cancellationToken: Timeouts.CallToken)).IsError);
    }

    [Fact]
    public async Task Initialize_TokenOfAnotherConnector_IsRefusedAndLoggedWithoutTheToken()
    {
        var token = _auth.Token("alpha");

        using var response = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("beta"), "Bearer " + token, AuthGateway.Initialize);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await _auth.Gateway.WaitForOutputAsync("Connector beta: token refused (audience", TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(token.Split('.')[2], _auth.Gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>Opens a session as a client does, then calls <c>typed</c> (which needs <c>fixture:typed</c>) and <c>echo</c>, raw.</summary>
    private static async Task<Answers> CallTypedAndEchoAsync(Uri endpoint, string authorization)
    {
        using var initialized = await AuthGateway.PostAsync(endpoint, authorization, AuthGateway.Initialize);
        Assert.Equal(HttpStatusCode.OK, initialized.StatusCode);
        var session = initialized.Headers.TryGetValues("Mcp-Session-Id", out var values) ? values.Single() : null;
        using var notified = await AuthGateway.PostAsync(endpoint, authorization, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", session);
        var typed = await AuthGateway.PostAsync(endpoint, authorization,
            """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"typed","arguments":{}}}""", session);
        var echo = await AuthGateway.PostAsync(endpoint, authorization,
            """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}""", session);
        return new Answers(typed, echo);
    }

    private sealed record Answers(HttpResponseMessage Typed, HttpResponseMessage Echo) : IDisposable
    {
        public void Dispose()
        {
            Typed.Dispose();
            Echo.Dispose();
        }
    }
}
