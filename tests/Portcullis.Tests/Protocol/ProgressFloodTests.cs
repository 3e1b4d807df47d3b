using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Protocol;

/// <summary>An upstream that floods a call with progress while its client does not read: the gateway holds a bounded backlog.</summary>
public sealed class ProgressFloodTests
{
    [Fact]
    public async Task CallTool_UpstreamFloodsProgressToAStalledClient_BacklogIsBoundedAndDropsAreLogged()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["progress_burst", "echo"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        var endpoint = gateway.Endpoint("fixture");
        using var http = new HttpClient { Timeout = Timeouts.Call };
        var session = await McpPost.OpenSessionAsync(http, endpoint, "stalled");

        // The client asks for progress, then never reads its stream: the socket's buffers fill and every send waits.
        var flood = """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"progress_burst","arguments":{"count":60000},"_meta":{"progressToken":"p"}}}""";
        using var call = await http.SendAsync(McpPost.Create(endpoint, flood, session), HttpCompletionOption.ResponseHeadersRead).WaitAsync(Timeouts.Call);

        await gateway.WaitForOutputAsync("a client did not keep up with the progress and log messages of its call", Timeouts.Call);
        await using var other = await McpClients.ConnectAsync(endpoint);
        var echo = await other.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "unaffected" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("unaffected", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
    }
}
