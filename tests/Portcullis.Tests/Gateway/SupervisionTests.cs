using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Gateway;

public sealed class SupervisionTests
{
    [Fact]
    public async Task StdioUpstream_KilledFromOutside_IsRestartedAndServesAgain()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        var child = Assert.Single(gateway.ChildProcessIds());

        System.Diagnostics.Process.GetProcessById(child).Kill();

        await gateway.WaitForOutputAsync("s after connecting", TimeSpan.FromSeconds(30));
        await gateway.WaitReadyAsync(TimeSpan.FromSeconds(60));
        var ready = JsonNode.Parse(await gateway.GetAsync("/readyz"))!;
        Assert.Equal(1, ready["connectors"]!["fixture"]!["restarts"]!.GetValue<int>());
        Assert.NotEqual(child, Assert.Single(gateway.ChildProcessIds()));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "back" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("back", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }
}
