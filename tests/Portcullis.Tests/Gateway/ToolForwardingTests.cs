using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Gateway;

/// <summary>The walking skeleton through a real client: allow-list, faithful forwarding, supervision.</summary>
public sealed class ToolForwardingTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync()
    {
        var fixture = TestConfig.FixtureConnector("fixture", ["echo", "rich", "fail", "env", "protocol_error", "seen_meta"]);
        fixture["upstream"]!["env"] = new JsonObject { ["FIXTURE_GREETING"] = "hello", ["FIXTURE_FROM_SECRET"] = "env:PORTCULLIS_TEST_PASSED_SECRET" };
        var config = TestConfig.Gateway(TestConfig.CrmConnector(), fixture);
        Environment.SetEnvironmentVariable("PORTCULLIS_TEST_PASSED_SECRET", "passed-on-purpose");
        Environment.SetEnvironmentVariable("PORTCULLIS_TEST_GATEWAY_ONLY", "gateway-only");
        _gateway = await GatewayProcess.StartAsync(TestConfig.Write(_dir, config), _dir.File("data"));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task ToolsList_ShowsOnlyAllowListedTools()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("crm"));

        var tools = await client.ListToolsAsync(cancellationToken: Timeouts.CallToken);

        Assert.Equal(["add_note", "find_contact", "list_notes"], tools.Select(t => t.Name).Order());
    }

    [Fact]
    public async Task CallTool_NotAllowListed_AnswersExactlyLikeAnUnknownTool()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("crm"));

        var refused = await client.CallToolAsync("delete_contact", new Dictionary<string, object?> { ["contact_id"] = "c-1001" }, cancellationToken: Timeouts.CallToken);
        var unknown = await client.CallToolAsync("no_such_tool", new Dictionary<string, object?> { ["contact_id"] = "c-1001" }, cancellationToken: Timeouts.CallToken);

        Assert.True(refused.IsError);
        Assert.Equal("tool_not_found", ErrorOf(refused)["code"]!.GetValue<string>());
        Assert.Equal(WithoutCorrelation(unknown, "no_such_tool"), WithoutCorrelation(refused, "delete_contact"));
        var ada = await client.CallToolAsync("find_contact", new Dictionary<string, object?> { ["query"] = "ada@example.com" }, cancellationToken: Timeouts.CallToken);
        Assert.Contains("Ada Lovelace", ada.StructuredContent!.Value.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_RichResult_IsCopiedFaithfullyWithoutUpstreamMeta()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));

        var result = await client.CallToolAsync("rich", cancellationToken: Timeouts.CallToken);

        Assert.Equal(
            ["text", "image", "resource", "resource_link"],
            result.Content.Select(c => c.Type));
        Assert.Equal("plain text", ((TextContentBlock)result.Content[0]).Text);
        var image = (ImageContentBlock)result.Content[1];
        Assert.Equal("image/png", image.MimeType);
        Assert.False(image.Data.IsEmpty);
        var embedded = (EmbeddedResourceBlock)result.Content[2];
        Assert.Equal("embedded", ((TextResourceContents)embedded.Resource).Text);
        Assert.Equal("memo://two", ((ResourceLinkBlock)result.Content[3]).Uri);
        Assert.Equal(42, result.StructuredContent!.Value.GetProperty("answer").GetInt32());
        Assert.True(result.StructuredContent!.Value.GetProperty("nested").GetProperty("ok").GetBoolean());
        Assert.True(result.Meta is null || !result.Meta.ContainsKey("upstream_secret_meta"));
        Assert.NotEqual(true, result.IsError);
    }

    [Fact]
    public async Task CallTool_CallersRequestMeta_DoesNotCrossTheHop()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));

        var result = await client.CallToolAsync(new CallToolRequestParams
        {
            Name = "seen_meta",
            Meta = new JsonObject { ["caller_secret"] = "must not reach the upstream", ["trace"] = "abc" },
        }, Timeouts.CallToken);

        var seen = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.DoesNotContain("caller_secret", seen, StringComparison.Ordinal);
        Assert.DoesNotContain("must not reach", seen, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_UpstreamToolError_PassesThroughUnchanged()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));

        var result = await client.CallToolAsync("fail", new Dictionary<string, object?> { ["reason"] = "no stock" }, cancellationToken: Timeouts.CallToken);

        Assert.True(result.IsError);
        Assert.Equal("tool failed: no stock", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Null(result.StructuredContent);
    }

    [Fact]
    public async Task Upstream_GetsOnlyTheConfiguredEnvironment()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));

        Assert.Equal("hello", await TextOf(client, "FIXTURE_GREETING"));
        Assert.Equal("passed-on-purpose", await TextOf(client, "FIXTURE_FROM_SECRET"));
        Assert.Equal("<unset>", await TextOf(client, "PORTCULLIS_TEST_GATEWAY_ONLY"));
    }

    [Theory]
    [InlineData("2025-11-25")]
    [InlineData("2026-07-28")]
    public async Task BothProtocolGenerations_ListAndCall(string protocolVersion)
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"), protocolVersion: protocolVersion);

        var tools = await client.ListToolsAsync(cancellationToken: Timeouts.CallToken);
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hi" }, cancellationToken: Timeouts.CallToken);

        Assert.Contains(tools, t => t.Name == "echo");
        Assert.Equal("hi", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal(protocolVersion, client.NegotiatedProtocolVersion);
    }

    [Fact]
    public async Task UnknownConnector_Answers404BeforeTheMcpLayer()
    {
        using var http = new HttpClient { Timeout = Timeouts.Call };
        using var response = await http.PostAsync(_gateway.BaseUrl + "/mcp/nope", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Health_AndReadiness_ReportEachConnector()
    {
        var health = JsonNode.Parse(await _gateway.GetAsync("/healthz"))!;
        var ready = JsonNode.Parse(await _gateway.GetAsync("/readyz"))!;

        Assert.Equal("ok", health["status"]!.GetValue<string>());
        Assert.Equal("ready", ready["status"]!.GetValue<string>());
        Assert.Equal("connected", ready["connectors"]!["crm"]!["state"]!.GetValue<string>());
        Assert.Equal("connected", ready["connectors"]!["fixture"]!["state"]!.GetValue<string>());
    }

    private static async Task<string> TextOf(McpClient client, string variable)
    {
        var result = await client.CallToolAsync("env", new Dictionary<string, object?> { ["name"] = variable }, cancellationToken: Timeouts.CallToken);
        return Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
    }

    internal static JsonObject ErrorOf(CallToolResult result) =>
        JsonNode.Parse(result.StructuredContent!.Value.GetRawText())!["error"]!.AsObject();

    private static string WithoutCorrelation(CallToolResult result, string toolName)
    {
        var error = ErrorOf(result);
        error.Remove("correlation_id");
        var text = JsonNode.Parse(((TextContentBlock)result.Content[0]).Text)!["error"]!.AsObject();
        text.Remove("correlation_id");
        Assert.Equal(error.ToJsonString(), text.ToJsonString());
        return error.ToJsonString().Replace(toolName, "<tool>", StringComparison.Ordinal) + JsonSerializer.Serialize(result.IsError);
    }
}
