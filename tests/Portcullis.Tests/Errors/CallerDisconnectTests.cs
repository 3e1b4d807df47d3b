using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Errors;

/// <summary>
/// A 2025-11-25 client that gives up on a call mid-way: its cancellation does not reach the gateway over a Streamable
/// HTTP session (SDK 2.4.0), but its closed POST does.
/// </summary>
public sealed class CallerDisconnectTests
{
    [Fact]
    public async Task Read_CallerGivesUpMidCall_UpstreamCallIsCancelledAndAuditedCancelled()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["wait", "echo"], record));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"), protocolVersion: "2025-11-25");

        using var giveUp = new CancellationTokenSource();
        var call = client.CallToolAsync("wait", new Dictionary<string, object?> { ["seconds"] = 45 }, cancellationToken: giveUp.Token).AsTask();
        await Poll.UntilAsync(() => File.Exists(record) && File.ReadAllText(record).Contains("\"wait\"", StringComparison.Ordinal), Timeouts.Call, "the upstream to receive the call");
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Timeouts.Call));

        // Long before the 45 s are up: nobody waits for this answer any more.
        await Poll.UntilAsync(() => File.ReadAllText(record).Contains("wait_cancelled", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "the upstream call to be cancelled");
        await gateway.WaitForOutputAsync("fixture/wait by anonymous -> failed cancelled", TimeSpan.FromSeconds(20));
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "still here" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("still here", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
        Assert.DoesNotContain(gateway.Output.Split('\n'), l => l.Contains(" fail:", StringComparison.Ordinal) || l.Contains("failed unexpectedly", StringComparison.Ordinal));
    }

    /// <summary>
    /// A 2025-11-25 client gives up by closing the call's POST; a 2026-07-28 client sends notifications/cancelled (as
    /// the TypeScript SDK does on a timeout in either revision), which before cancelled the write upstream and left its
    /// key outcome-unknown.
    /// </summary>
    [Theory]
    [InlineData("2025-11-25")]
    [InlineData("2026-07-28")]
    public async Task Write_CallerGivesUpMidCall_RunsToItsEndAndTheRetryGetsItsResult(string protocolVersion)
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["slow"], record));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"), protocolVersion: protocolVersion);
        var arguments = new Dictionary<string, object?> { ["seconds"] = 3, ["note"] = "abandoned", ["idempotency_key"] = "k-abandoned" };

        using var giveUp = new CancellationTokenSource();
        var call = client.CallToolAsync("slow", arguments, cancellationToken: giveUp.Token).AsTask();
        await Poll.UntilAsync(() => File.Exists(record) && File.ReadAllText(record).Contains("abandoned", StringComparison.Ordinal), Timeouts.Call, "the upstream to receive the write");
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Timeouts.Call));

        CallToolResult? retry = null;
        await Poll.UntilAsync(
            async ct =>
            {
                retry = await client.CallToolAsync("slow", arguments, cancellationToken: ct);
                return retry.IsError != true;
            },
            Timeouts.Call,
            "the retry to get the write's result");

        Assert.Equal("slept 3s", Assert.IsType<TextContentBlock>(Assert.Single(retry!.Content)).Text);
        Assert.Equal(true, retry.Meta?["portcullis/replay"]?.GetValue<bool>());
        Assert.Single(File.ReadAllLines(record), l => l.Contains("abandoned", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Read_ClientEndsItsSessionMidCall_CallIsCancelledWithoutAnErrorLine()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["wait", "echo"], record));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        var endpoint = gateway.Endpoint("fixture");
        using var http = new HttpClient { Timeout = Timeouts.Call };
        var session = await McpPost.OpenSessionAsync(http, endpoint, "raw");

        var call = http.SendAsync(McpPost.Create(endpoint, """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"wait","arguments":{"seconds":45}}}""", session));
        await Poll.UntilAsync(() => File.Exists(record) && File.ReadAllText(record).Contains("\"wait\"", StringComparison.Ordinal), Timeouts.Call, "the upstream to receive the call");
        using var end = new HttpRequestMessage(HttpMethod.Delete, endpoint);
        end.Headers.Add("Mcp-Session-Id", session);
        end.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        using var ended = await http.SendAsync(end);
        Assert.True(ended.IsSuccessStatusCode);

        // The POST ends without an answer (its session is gone), the upstream call is cancelled, and nothing is an error.
        using var answer = await call.WaitAsync(Timeouts.Call);
        Assert.DoesNotContain("\"result\"", await answer.Content.ReadAsStringAsync().WaitAsync(Timeouts.Call), StringComparison.Ordinal);
        await Poll.UntilAsync(() => File.ReadAllText(record).Contains("wait_cancelled", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "the upstream call to be cancelled");
        await gateway.WaitForOutputAsync("fixture/wait by anonymous -> failed cancelled", TimeSpan.FromSeconds(20));
        await gateway.WaitForOutputAsync("ended while a request of it waited for its answer", TimeSpan.FromSeconds(20));
        Assert.DoesNotContain(gateway.Output.Split('\n'), l => l.Contains(" fail:", StringComparison.Ordinal));
    }
}
