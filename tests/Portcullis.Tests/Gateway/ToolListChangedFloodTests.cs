using System.Text.RegularExpressions;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portcullis.Tests.Gateway;

/// <summary>An upstream that announces tools/list_changed far more often than the gateway can list: announcements coalesce.</summary>
public sealed partial class ToolListChangedFloodTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Upstream_FloodsToolListChanged_ListsAFewTimesNotOncePerNotification_AndTheLastChangeIsSeen()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["announce_tools_changed", "echo", "extra"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        const int Announced = 3000;

        Assert.DoesNotContain("extra", (await client.ListToolsAsync(cancellationToken: Timeouts.CallToken)).Select(t => t.Name));

        // The last announcement is of a real change, so a coalescing that dropped it would leave the old list in place.
        var flood = await client.CallToolAsync("announce_tools_changed", new Dictionary<string, object?> { ["count"] = Announced, ["add_extra_last"] = true },
            cancellationToken: Timeouts.CallToken);
        Assert.NotEqual(true, flood.IsError);

        // The refreshes end once the last announcement's listing is done: wait until the count holds still.
        var refreshes = Refreshes(gateway.Output);
        await Poll.UntilAsync(
            async ct =>
            {
                var before = Refreshes(gateway.Output);
                await Task.Delay(TimeSpan.FromSeconds(3), ct);
                refreshes = Refreshes(gateway.Output);
                return refreshes > 0 && refreshes == before;
            },
            Timeouts.Call,
            () => $"the refreshes to end ({refreshes} so far)");
        output.WriteLine($"{refreshes} refreshes for {Announced} announcements");

        Assert.InRange(refreshes, 1, 50);
        Assert.Contains("extra", (await client.ListToolsAsync(cancellationToken: Timeouts.CallToken)).Select(t => t.Name));
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "listed" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("listed", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
    }

    private static int Refreshes(string output) => RefreshLine().Count(output);

    [GeneratedRegex("Connector fixture: tool list refreshed")]
    private static partial Regex RefreshLine();
}
