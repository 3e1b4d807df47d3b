using System.Net;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Auth;
using Portcullis.Tests.Conformance;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Protocol;

/// <summary>
/// Resources, prompts and completions under the same controls as tools, through real clients: each entry's scopes
/// (what a token lacks answers exactly as unknown), and the connector's rate limit (a JSON-RPC error carrying the
/// catalog envelope).
/// </summary>
public sealed class ResourceScopeTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private TestIdentityProvider _idp = null!;
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync()
    {
        _idp = await TestIdentityProvider.StartAsync();
        var config = TestConfig.Gateway(Docs("docs", rateLimit: null), Docs("tight", rateLimit: 2));
        config["identity"] = new JsonObject { ["issuer"] = _idp.Issuer, ["jwks_uri"] = _idp.JwksUri };
        _gateway = await GatewayProcess.StartAsync(TestConfig.Write(_dir, config), _dir.File("data"));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _idp.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task ResourcesAndPrompts_TokenWithoutTheirScopes_AreAbsentAndAnswerAsUnknown()
    {
        await using var reader = await ConnectAsync("docs", "docs:read");

        var resources = await reader.ListResourcesAsync(new ListResourcesRequestParams(), Timeouts.CallToken);
        var templates = await reader.ListResourceTemplatesAsync(new ListResourceTemplatesRequestParams(), Timeouts.CallToken);
        var prompts = await reader.ListPromptsAsync(new ListPromptsRequestParams(), Timeouts.CallToken);
        var secret = await Assert.ThrowsAsync<McpProtocolException>(() => reader.ReadResourceAsync(new ReadResourceRequestParams { Uri = "test://template/7/data" }, Timeouts.CallToken).AsTask());
        var prompt = await Assert.ThrowsAsync<McpProtocolException>(() => reader.GetPromptAsync(new GetPromptRequestParams { Name = "test_simple_prompt" }, Timeouts.CallToken).AsTask());
        var completion = await Assert.ThrowsAsync<McpProtocolException>(() => reader.CompleteAsync(new CompleteRequestParams
        {
            Ref = new PromptReference { Name = "test_prompt_with_arguments" },
            Argument = new Argument { Name = "arg1", Value = "pa" },
        }, Timeouts.CallToken).AsTask());

        Assert.Equal(["test://static-text"], resources.Resources.Select(r => r.Uri));
        Assert.Empty(templates.ResourceTemplates);
        Assert.Empty(prompts.Prompts);
        Assert.Equal(McpErrorCode.ResourceNotFound, secret.ErrorCode);
        Assert.Equal(McpErrorCode.InvalidParams, prompt.ErrorCode);
        Assert.Equal(McpErrorCode.InvalidParams, completion.ErrorCode);
    }

    [Fact]
    public async Task ResourcesAndPrompts_TokenWithTheirScopes_PassThrough()
    {
        await using var full = await ConnectAsync("docs", "docs:read docs:secret docs:prompt");

        var read = await full.ReadResourceAsync(new ReadResourceRequestParams { Uri = "test://template/7/data" }, Timeouts.CallToken);
        var prompt = await full.GetPromptAsync(new GetPromptRequestParams { Name = "test_simple_prompt" }, Timeouts.CallToken);
        var prompts = await full.ListPromptsAsync(new ListPromptsRequestParams(), Timeouts.CallToken);

        Assert.Contains("Data for ID: 7", Assert.IsType<TextResourceContents>(Assert.Single(read.Contents)).Text, StringComparison.Ordinal);
        Assert.NotEmpty(prompt.Messages);
        Assert.Equal(["test_prompt_with_arguments", "test_simple_prompt"], prompts.Prompts.Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GetPrompt_ConnectorBudgetSpent_AnswersRateLimitedWithTheEnvelope()
    {
        var endpoint = _gateway.Endpoint("tight");
        var authorization = "Bearer " + _idp.Mint(endpoint.ToString(), "docs:read docs:secret docs:prompt");
        using var opened = await AuthGateway.PostAsync(endpoint, authorization, AuthGateway.Initialize);
        var session = opened.Headers.GetValues("Mcp-Session-Id").Single();
        (await AuthGateway.PostAsync(endpoint, authorization, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", session)).Dispose();

        JsonNode? last = null;
        for (var i = 0; i < 3; i++)
        {
            using var response = await AuthGateway.PostAsync(endpoint, authorization, $$$"""{"jsonrpc":"2.0","id":{{{10 + i}}},"method":"prompts/get","params":{"name":"test_simple_prompt"}}""", session);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            last = Message(await response.Content.ReadAsStringAsync());
        }

        var error = last!["error"]!;
        Assert.Equal(-32000, error["code"]!.GetValue<int>());
        var envelope = error["data"]!["error"]!;
        Assert.Equal("rate_limited", envelope["code"]!.GetValue<string>());
        Assert.True(envelope["retryable"]!.GetValue<bool>());
        Assert.InRange(envelope["retry_after_seconds"]!.GetValue<int>(), 1, 60);
        await _gateway.WaitForOutputAsync(envelope["correlation_id"]!.GetValue<string>(), Timeouts.Exit);
    }

    private Task<ModelContextProtocol.Client.McpClient> ConnectAsync(string connector, string scopes) =>
        McpClients.ConnectAsync(_gateway.Endpoint(connector), _idp.Mint(_gateway.Endpoint(connector).ToString(), scopes), Versions.V2025);

    private static JsonNode Message(string body) =>
        JsonNode.Parse(body.StartsWith("event:", StringComparison.Ordinal) || body.StartsWith("data:", StringComparison.Ordinal)
            ? body.Split('\n').Last(l => l.StartsWith("data:", StringComparison.Ordinal))["data:".Length..]
            : body)!;

    private static JsonObject Docs(string server, int? rateLimit)
    {
        var connector = TestConfig.Protect(
            new JsonObject
            {
                ["server"] = server,
                ["environment"] = "test",
                ["upstream"] = new JsonObject { ["command"] = "dotnet", ["args"] = new JsonArray(ConformanceConfig.FixtureDll) },
                ["tools_allow"] = new JsonArray("test_simple_text"),
                ["tools"] = new JsonObject { ["test_simple_text"] = TestConfig.Tool(["docs:read"]) },
                ["resources_allow"] = new JsonArray("test://static-text", "test://template/{id}/data"),
                ["resources"] = new JsonObject
                {
                    ["test://static-text"] = new JsonObject { ["scopes"] = new JsonArray("docs:read") },
                    ["test://template/{id}/data"] = new JsonObject { ["scopes"] = new JsonArray("docs:secret"), ["timeout_seconds"] = 10 },
                },
                ["prompts_allow"] = new JsonArray("test_simple_prompt", "test_prompt_with_arguments"),
                ["prompts"] = new JsonObject
                {
                    ["test_simple_prompt"] = new JsonObject { ["scopes"] = new JsonArray("docs:prompt") },
                    ["test_prompt_with_arguments"] = new JsonObject { ["scopes"] = new JsonArray("docs:prompt") },
                },
            },
            ["docs:read", "docs:secret", "docs:prompt"]);
        if (rateLimit is { } permits)
        {
            connector["rate_limit"] = new JsonObject { ["permits"] = permits, ["window_seconds"] = 60 };
        }

        return connector;
    }
}
