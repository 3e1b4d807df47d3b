using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;
using static Portcullis.Tests.Errors.ErrorAssertions;

namespace Portcullis.Tests.Errors;

/// <summary>
/// A read the gateway gives up on is cancelled upstream with notifications/cancelled, over Streamable HTTP too. Before,
/// an HTTP upstream only saw the call's POST close: the SDK tells of a cancellation only once a request's sending has
/// ended, and over HTTP the sending lasts until the answer.
/// </summary>
public sealed class UpstreamCancellationTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HttpUpstream_ReadPastItsTimeout_IsToldTheCallWasCancelled(bool sessions)
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync(null, sessions ? ["--sessions"] : []);
        var tools = new JsonObject { ["wait"] = new JsonObject { ["timeout_seconds"] = 1 } };
        var config = TestConfig.Gateway(TestConfig.HttpConnector("remote", upstream.McpUrl, ["wait", "echo"], tools));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"));

        var result = await client.CallToolAsync("wait", new Dictionary<string, object?> { ["seconds"] = 60 }, cancellationToken: Timeouts.CallToken);

        AssertError(result, "upstream_timeout", retryable: true);
        await AssertToldOfTheCallAsync(upstream);
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "still here" }, cancellationToken: Timeouts.CallToken);
        Assert.NotEqual(true, echo.IsError);
    }

    [Theory]
    [InlineData(false, "2025-11-25")]
    [InlineData(true, "2025-11-25")]
    [InlineData(true, "2026-07-28")]
    public async Task HttpUpstream_ReadTheClientGivesUpOn_IsToldTheCallWasCancelled(bool sessions, string protocolVersion)
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync(null, sessions ? ["--sessions"] : []);
        var config = TestConfig.Gateway(TestConfig.HttpConnector("remote", upstream.McpUrl, ["wait", "echo"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"), protocolVersion: protocolVersion);

        using var giveUp = new CancellationTokenSource();
        var call = client.CallToolAsync("wait", new Dictionary<string, object?> { ["seconds"] = 60 }, cancellationToken: giveUp.Token).AsTask();
        await Poll.UntilAsync(async _ => (await upstream.ReceivedCancellationsAsync()).Calls.Length == 1, Timeouts.Call, "the upstream to receive the call");
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Timeouts.Call));

        await AssertToldOfTheCallAsync(upstream);
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "still here" }, cancellationToken: Timeouts.CallToken);
        Assert.NotEqual(true, echo.IsError);
    }

    /// <summary>An upstream that never answers the notification holds up neither the call's answer nor the next call.</summary>
    [Fact]
    public async Task HttpUpstream_NeverTakingTheCancellation_DelaysNothing()
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync(null, "--sessions");
        var tools = new JsonObject { ["wait"] = new JsonObject { ["timeout_seconds"] = 1 } };
        var config = TestConfig.Gateway(TestConfig.HttpConnector("remote", upstream.McpUrl, ["wait", "echo"], tools));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"));
        await upstream.SetModeAsync("cancelled_hang");

        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = await client.CallToolAsync("wait", new Dictionary<string, object?> { ["seconds"] = 60 }, cancellationToken: Timeouts.CallToken);
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "still here" }, cancellationToken: Timeouts.CallToken);

        AssertError(result, "upstream_timeout", retryable: true);
        Assert.NotEqual(true, echo.IsError);
        Assert.InRange(started.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(4));
        await Poll.UntilAsync(async _ => (await upstream.ReceivedCancellationsAsync()).Held == 1, Timeouts.Call, "the upstream to hold the notification");
        Assert.DoesNotContain(gateway.Output.Split('\n'), l => l.Contains(" fail:", StringComparison.Ordinal) || l.Contains("crit:", StringComparison.Ordinal));
    }

    /// <summary>The upstream received notifications/cancelled naming its one tools/call, and only that.</summary>
    private static async Task AssertToldOfTheCallAsync(FixtureHttpServer upstream)
    {
        await Poll.UntilAsync(async _ => (await upstream.ReceivedCancellationsAsync()).Cancelled.Length > 0, TimeSpan.FromSeconds(15), "the upstream to be told of the cancellation");
        var received = await upstream.ReceivedCancellationsAsync();
        var call = Assert.Single(received.Calls);
        Assert.Equal(call, Assert.Single(received.Cancelled));
    }
}
