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

    /// <summary>
    /// Resources and prompts pass through, so their announcements are relayed rather than listed: a burst reaches each
    /// client as a few notifications, and one always comes after the last announcement.
    /// </summary>
    [Theory]
    [InlineData("resources", NotificationMethods.ResourceListChangedNotification)]
    [InlineData("prompts", NotificationMethods.PromptListChangedNotification)]
    public async Task Upstream_FloodsResourceOrPromptListChanged_EachClientIsToldAFewTimes(string kind, string method)
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["announce_list_changed"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        // A session's client: notifications reach clients through their sessions' streams.
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"), protocolVersion: "2025-11-25");
        var told = 0;
        await using var counting = client.RegisterNotificationHandler(method, (_, _) =>
        {
            Interlocked.Increment(ref told);
            return ValueTask.CompletedTask;
        });
        const int Announced = 3000;

        var flood = await client.CallToolAsync("announce_list_changed", new Dictionary<string, object?> { ["kind"] = kind, ["count"] = Announced },
            cancellationToken: Timeouts.CallToken);
        Assert.NotEqual(true, flood.IsError);

        var seen = 0;
        await Poll.UntilAsync(
            async ct =>
            {
                var before = Volatile.Read(ref told);
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
                seen = Volatile.Read(ref told);
                return seen > 0 && seen == before;
            },
            Timeouts.Call,
            () => $"the notifications to end ({seen} so far)");
        output.WriteLine($"{seen} notifications for {Announced} announcements");

        Assert.InRange(seen, 1, Announced / 10);
    }

    private static int Refreshes(string output) => RefreshLine().Count(output);

    [GeneratedRegex("Connector fixture: tool list refreshed")]
    private static partial Regex RefreshLine();
}
