using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;
using static Portcullis.Tests.Errors.ErrorAssertions;

namespace Portcullis.Tests.Gateway;

/// <summary>
/// The catalog from start to change, through real clients: unknown while the upstream has never listed its tools
/// (allowed names answer retryably), then built under the same refusals as at start-up, and every change told to
/// live sessions after the new list is in place.
/// </summary>
public sealed class CatalogLifecycleTests
{
    [Fact]
    public async Task UpstreamDownAtStart_CallsAreRetryableUntilItListsThenDestructiveToolIsRefusedAndSessionsAreTold()
    {
        using var dir = new TempDir();
        int port;
        await using (var reserved = await FixtureHttpServer.StartAsync())
        {
            port = reserved.Port; // the upstream's own address, free again once it stops: it comes back there
        }

        var tools = new JsonObject { ["echo"] = new JsonObject { ["read_only"] = true } };
        var config = TestConfig.Gateway(TestConfig.HttpConnector("remote", $"http://127.0.0.1:{port}/mcp", ["echo", "wipe"], tools));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"), waitReady: false);
        await gateway.WaitListeningAsync();

        var readiness = JsonNode.Parse(await gateway.GetAsync("/readyz"))!;
        Assert.Equal("not_ready", readiness["status"]!.GetValue<string>());
        Assert.Equal("unknown", readiness["connectors"]!["remote"]!["catalog"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(readiness["connectors"]!["remote"]!["reason"]?.GetValue<string>()));

        // Sessions (2025-11-25) are where the gateway can tell a client that the list changed.
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"), protocolVersion: "2025-11-25");
        var told = Channel.CreateUnbounded<bool>();
        await using var onChange = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) => told.Writer.WriteAsync(true));
        foreach (var name in new[] { "echo", "wipe" })
        {
            var early = await client.CallToolAsync(name, new Dictionary<string, object?> { ["text"] = "early" }, cancellationToken: Timeouts.CallToken);
            Assert.True(AssertError(early, "upstream_unavailable", retryable: true)["retry_after_seconds"]!.GetValue<int>() >= 1);
        }

        // tools/list waits a bounded time for the first catalog, then answers with what there is.
        Assert.Empty(await client.ListToolsAsync(cancellationToken: Timeouts.CallToken));
        await using var upstream = await FixtureHttpServer.StartAsync(port);

        // Until the catalog is there, every answer is a result or a retryable error: never tool_not_found.
        CallToolResult? served = null;
        await Poll.UntilAsync(
            async ct =>
            {
                served = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "later" }, cancellationToken: ct);
                if (served.IsError == true)
                {
                    AssertError(served, "upstream_unavailable", retryable: true);
                    return false;
                }

                return true;
            },
            Timeouts.Startup,
            () => $"the upstream to be listed:\n{gateway.Output}");
        Assert.Equal("later", Assert.IsType<TextContentBlock>(Assert.Single(served!.Content)).Text);
        await told.Reader.ReadAsync().AsTask().WaitAsync(Timeouts.Call);

        Assert.Equal(["echo"], (await client.ListToolsAsync(cancellationToken: Timeouts.CallToken)).Select(t => t.Name));
        AssertError(await client.CallToolAsync("wipe", cancellationToken: Timeouts.CallToken), "tool_not_found", retryable: false);
        Assert.Contains("tool wipe is allow-listed but the upstream marks it destructive", gateway.Output, StringComparison.Ordinal);
        var ready = JsonNode.Parse(await gateway.GetAsync("/readyz"))!;
        Assert.Equal("ready", ready["status"]!.GetValue<string>());
        Assert.Equal("destructive", ready["connectors"]!["remote"]!["withheld"]![0]!["reason"]!.GetValue<string>());
        Assert.False(gateway.HasExited);
    }

    [Fact]
    public async Task UpstreamAddsAndRemovesATool_EverySessionIsToldAfterTheNewListIsInPlace()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo", "toggle_extra", "extra"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        // Sessions (2025-11-25) are where the gateway can tell a client that the list changed.
        await using var watcher = await McpClients.ConnectAsync(gateway.Endpoint("fixture"), protocolVersion: "2025-11-25");
        await using var caller = await McpClients.ConnectAsync(gateway.Endpoint("fixture"), protocolVersion: "2025-11-25");

        // Each notification is answered by listing at once: the list must already be the new one.
        var told = Channel.CreateUnbounded<bool>();
        await using var onChange = watcher.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, ct) => told.Writer.WriteAsync(true, ct));

        Assert.DoesNotContain("extra", await NamesAsync(watcher));
        Assert.Equal("added", TextOf(await caller.CallToolAsync("toggle_extra", cancellationToken: Timeouts.CallToken)));
        await told.Reader.ReadAsync().AsTask().WaitAsync(Timeouts.Call);
        Assert.Equal(["echo", "extra", "toggle_extra"], await NamesAsync(watcher));
        Assert.Equal("extra", TextOf(await caller.CallToolAsync("extra", cancellationToken: Timeouts.CallToken)));

        Assert.Equal("removed", TextOf(await caller.CallToolAsync("toggle_extra", cancellationToken: Timeouts.CallToken)));
        await told.Reader.ReadAsync().AsTask().WaitAsync(Timeouts.Call);
        Assert.Equal(["echo", "toggle_extra"], await NamesAsync(watcher));
        AssertError(await caller.CallToolAsync("extra", cancellationToken: Timeouts.CallToken), "tool_not_found", retryable: false);
    }

    /// <summary>Before, an upstream that held its first tools/list open left the connector unavailable for good, even once it recovered.</summary>
    [Fact]
    public async Task UpstreamThatNeverFinishesItsToolList_IsRetriedUntilItLists()
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync();
        await upstream.SetModeAsync("list_hang");
        var connector = TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo"]);
        connector["upstream"]!["connect_timeout_seconds"] = 1;
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(connector)), dir.File("data"), waitReady: false);
        await gateway.WaitListeningAsync();
        await gateway.WaitForOutputAsync("the upstream did not list its tools within 1 s; next attempt in", Timeouts.Startup);
        Assert.Equal("unknown", JsonNode.Parse(await gateway.GetAsync("/readyz"))!["connectors"]!["remote"]!["catalog"]!.GetValue<string>());

        await upstream.SetModeAsync("normal");
        await gateway.WaitReadyAsync(Timeouts.Startup);
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"));
        Assert.Equal("listed at last", TextOf(await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "listed at last" }, cancellationToken: Timeouts.CallToken)));
    }

    /// <summary>
    /// Before, an upstream that announced a change to its tools and then did not list them kept its old catalog in service
    /// with no limit: a changed tool (perhaps told to do something else now) was still called, and /readyz said current.
    /// </summary>
    [Fact]
    public async Task UpstreamAnnouncesAChangeItThenFailsToList_CallsWaitUntilItListsAgain()
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync();
        var connector = TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo", "announce_tools_changed"]);
        connector["upstream"]!["connect_timeout_seconds"] = 1;
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(connector)), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"));

        await upstream.SetModeAsync("list_hang");
        await client.CallToolAsync("announce_tools_changed", new Dictionary<string, object?> { ["count"] = 1 }, cancellationToken: Timeouts.CallToken);
        await gateway.WaitForOutputAsync("refreshing the tool list failed; no tool call is sent until it succeeds", Timeouts.Call);

        AssertError(await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "old" }, cancellationToken: Timeouts.CallToken), "upstream_unavailable", retryable: true);
        var remote = JsonNode.Parse(await gateway.GetAsync("/readyz"))!["connectors"]!["remote"]!;
        Assert.Equal("stale", remote["catalog"]!.GetValue<string>());
        Assert.False(remote["ready"]!.GetValue<bool>());

        await upstream.SetModeAsync("normal");
        await gateway.WaitReadyAsync(Timeouts.Startup);
        Assert.Equal("listed again", TextOf(await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "listed again" }, cancellationToken: Timeouts.CallToken)));
    }

    private static async Task<string[]> NamesAsync(McpClient client) =>
        [.. (await client.ListToolsAsync(cancellationToken: Timeouts.CallToken)).Select(t => t.Name).Order(StringComparer.Ordinal)];

    private static string TextOf(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
}
