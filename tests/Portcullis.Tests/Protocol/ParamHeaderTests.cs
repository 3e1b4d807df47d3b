using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Protocol;

/// <summary>
/// Tool parameters annotated <c>x-mcp-header</c> (SEP-2243) reach an HTTP upstream that speaks 2026-07-28 as the
/// <c>Mcp-Param-*</c> headers it requires, from a tool list read a page at a time; a tool whose annotation is invalid
/// is withheld as the upstream's fault, where operators look for withheld tools (the lint tests cover <c>lint</c>).
/// </summary>
public sealed class ParamHeaderTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private FixtureHttpServer _web = null!;
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync()
    {
        _web = await FixtureHttpServer.StartAsync(null, "--header-tools");
        var connector = TestConfig.HttpConnector("http", _web.McpUrl, ["by_region", "bad_header", "echo"]);
        connector["upstream"]!["protocol_version"] = "2026-07-28";
        connector["tools"]!["by_region"] = new JsonObject { ["read_only"] = true };
        connector["tools"]!["bad_header"] = new JsonObject { ["read_only"] = true };
        _gateway = await GatewayProcess.StartAsync(TestConfig.Write(_dir, TestConfig.Gateway(connector)), _dir.File("data"));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _web.DisposeAsync();
        _dir.Dispose();
    }

    [Theory]
    [InlineData("2025-11-25")]
    [InlineData("2026-07-28")]
    public async Task CallToolWithAHeaderParameter_ThroughAnHttpUpstream_TheUpstreamGetsItsHeaderAndAnswers(string clientVersion)
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("http"), protocolVersion: clientVersion);

        var result = await client.CallToolAsync("by_region", new Dictionary<string, object?> { ["region"] = "eu-west" }).AsTask().Within();

        Assert.True(result.IsError is not true, $"{string.Join(" ", result.Content.OfType<TextContentBlock>().Select(t => t.Text))}\n{_gateway.Output}");
        Assert.Equal("region eu-west", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task ToolWithAnInvalidHeaderAnnotation_IsWithheldAndReadyzAndTheLogSayWhy()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("http"));

        var tools = await client.ListToolsAsync().AsTask().Within();

        Assert.Equal(["by_region", "echo"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        await _gateway.WaitForOutputAsync("1 of the upstream's tools are not served: their x-mcp-header annotations are invalid, so a call could not carry them as Mcp-Param-* headers; the first is bad_header", Timeouts.Call);
        await _gateway.WaitForOutputAsync("Connector http: tool bad_header is unavailable: its x-mcp-header annotations are invalid (SEP-2243)", Timeouts.Call);
        var withheld = JsonNode.Parse(await _gateway.GetAsync("/readyz"))!["connectors"]!["http"]!["withheld"]!.AsArray();
        var refusal = Assert.Single(withheld)!;
        Assert.Equal(("bad_header", "invalid_header_annotations"), (refusal["tool"]!.GetValue<string>(), refusal["reason"]!.GetValue<string>()));
    }
}
