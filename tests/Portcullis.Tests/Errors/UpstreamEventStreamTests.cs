using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Errors;

/// <summary>An HTTP upstream misusing its event streams or its session: the gateway's work stays bounded and calls are still served.</summary>
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

    /// <summary>
    /// Before, an upstream that never answered the DELETE ending the gateway's session (sent as the connection closes,
    /// here after the upstream forgot the session) held the connector down for good: it never connected again, and
    /// <c>/readyz</c> said "restarting" with the next attempt due at once. Now the DELETE is given up after 5 s and the
    /// connector connects again and serves.
    /// </summary>
    [Fact]
    public async Task HttpUpstream_NeverAnsweringTheSessionsDelete_ConnectsAgainAndServes()
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync(null, "--sessions");
        var connector = TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo"]);
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(connector)), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"));
        var arguments = new Dictionary<string, object?> { ["text"] = "back" };

        await upstream.SetModeAsync("expire_delete_hang");
        var expired = await client.CallToolAsync("echo", arguments, cancellationToken: Timeouts.CallToken);
        Assert.Equal(true, expired.IsError);
        await upstream.SetModeAsync("delete_hang");

        await Poll.UntilAsync(
            async ct => (await client.CallToolAsync("echo", arguments, cancellationToken: ct)).IsError != true,
            TimeSpan.FromSeconds(30),
            "the connector to connect again and serve");
        await upstream.SetModeAsync("normal");
    }
}
