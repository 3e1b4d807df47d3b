using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Errors;

/// <summary>An HTTP upstream misusing its event streams: the gateway's work stays bounded and calls are still served.</summary>
public sealed class UpstreamEventStreamTests
{
    /// <summary>
    /// Before, an upstream that ended each of its GET event streams at once with <c>retry: 0</c> (and an event id, so the
    /// MCP client keeps reopening it) was sent a GET again at once, for ever: about 8,000 a second, a core of the gateway's
    /// CPU, for as long as the connection lasted. Now each stream is reopened at most once a second.
    /// </summary>
    [Fact]
    public async Task HttpUpstream_EndingItsEventStreamAtOnce_IsReopenedAtMostOnceASecond()
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync();
        await upstream.SetModeAsync("get_retry0");
        var connector = TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo"]);
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(connector)), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"));

        var before = await upstream.StreamsOpenedAsync();
        await Task.Delay(TimeSpan.FromSeconds(4), Timeouts.CallToken);
        var opened = await upstream.StreamsOpenedAsync() - before;

        Assert.InRange(opened, 1, 6);
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "still here" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("still here", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
    }
}
