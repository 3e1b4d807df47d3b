using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;
using static Portcullis.Tests.Errors.ErrorAssertions;

namespace Portcullis.Tests.Schemas;

/// <summary>
/// One call of many small values: before <c>limits.max_values</c>, 300,000 items (600 KB, within the 1 MiB body limit)
/// were each judged by the schema library, several seconds of CPU per call for one that was refused, and a valid one
/// reached the upstream after seconds more.
/// </summary>
public sealed class ArgumentCountTests
{
    [Fact]
    public async Task CallTool_ArrayOfHundredsOfThousandsOfItems_ReturnsPayloadTooLargeBeforeTheSchemaAndKeepsServing()
    {
        using var dir = new TempDir();
        var tools = new JsonObject { ["tags"] = new JsonObject { ["read_only"] = true } };
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["tags", "echo"], tools: tools));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));

        // The upstream's schema wants strings: integers fail every item, strings pass every item.
        foreach (var items in new object[] { Enumerable.Repeat(1, 300_000).ToArray(), Enumerable.Repeat("a", 200_000).ToArray() })
        {
            var result = await client.CallToolAsync("tags", new Dictionary<string, object?> { ["tags"] = items }, cancellationToken: Timeouts.CallToken);

            var details = AssertError(result, "payload_too_large", retryable: false)["details"]!.AsArray();
            var detail = Assert.Single(details)!;
            Assert.Equal("max_values", detail["keyword"]!.GetValue<string>());
            Assert.Equal("/tags/19999", detail["path"]!.GetValue<string>());
            Assert.Contains("past the 20000 values", detail["message"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        var within = await client.CallToolAsync("tags", new Dictionary<string, object?> { ["tags"] = Enumerable.Repeat("a", 19_999).ToArray() }, cancellationToken: Timeouts.CallToken);
        Assert.NotEqual(true, within.IsError);
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "still here" }, cancellationToken: Timeouts.CallToken);
        Assert.NotEqual(true, echo.IsError);
    }
}
