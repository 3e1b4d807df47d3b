using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;
using static Portcullis.Tests.Errors.ErrorAssertions;

namespace Portcullis.Tests.Idempotency;

/// <summary>
/// A write whose upstream reads the idempotency key itself and declares rules for it. Before, the gateway replaced the
/// upstream's schema for the key with its own: the upstream's (and an overlay's) rules were neither shown to agents nor
/// checked, and a key they refuse was claimed and sent.
/// </summary>
public sealed class UpstreamDeclaredKeyTests
{
    [Fact]
    public async Task CallTool_KeyTheUpstreamsOwnSchemaOrTheOverlayRefuses_IsInvalidArgumentsAndNeverSent()
    {
        using var dir = new TempDir();
        var tools = new JsonObject
        {
            ["keyed_write"] = new JsonObject { ["input_schema"] = JsonNode.Parse("""{"properties": {"idempotency_key": {"minLength": 4}}}""") },
        };
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["keyed_write"], tools: tools));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));

        var listed = (await client.ListToolsAsync(cancellationToken: Timeouts.CallToken)).Single(t => t.Name == "keyed_write");
        var key = JsonNode.Parse(listed.ProtocolTool.InputSchema.GetRawText())!["properties"]!["idempotency_key"]!;
        Assert.Equal(255, key["maxLength"]!.GetValue<int>());
        var own = Assert.Single(key["allOf"]!.AsArray())!;
        Assert.Equal(8, own["maxLength"]!.GetValue<int>());
        Assert.Equal("^[a-z0-9-]+$", own["pattern"]!.GetValue<string>());
        Assert.Equal(4, own["minLength"]!.GetValue<int>());

        foreach (var (refused, keyword) in new[] { ("much-too-long-a-key", "maxLength"), ("Upper", "pattern"), ("abc", "minLength") })
        {
            var result = await client.CallToolAsync("keyed_write", new Dictionary<string, object?> { ["note"] = "n", ["idempotency_key"] = refused }, cancellationToken: Timeouts.CallToken);

            var detail = Assert.Single(AssertError(result, "invalid_arguments", retryable: false)["details"]!.AsArray())!;
            Assert.Equal(("/idempotency_key", keyword), (detail["path"]!.GetValue<string>(), detail["keyword"]!.GetValue<string>()));
        }

        var fine = await client.CallToolAsync("keyed_write", new Dictionary<string, object?> { ["note"] = "n", ["idempotency_key"] = "k-0001" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("called keyed_write", Assert.IsType<TextContentBlock>(Assert.Single(fine.Content)).Text);
    }
}
