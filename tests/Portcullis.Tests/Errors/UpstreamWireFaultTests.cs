using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;
using static Portcullis.Tests.Errors.ErrorAssertions;

namespace Portcullis.Tests.Errors;

/// <summary>Upstreams that break the wire: junk lines, answers to no request, answers that are not tool results, HTTP errors of proxies.</summary>
public sealed class UpstreamWireFaultTests
{
    [Fact]
    public async Task StdioUpstream_AnswerNotAToolResult_AnswersUpstreamErrorNotRetryable()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["raw_answer", "raw_write", "echo"], record));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));

        // A line that is not JSON-RPC and an answer to a request nobody sent are skipped: the call gets its real answer.
        foreach (var kind in new[] { "noise", "wrong_id" })
        {
            var fine = await client.CallToolAsync("raw_answer", new Dictionary<string, object?> { ["kind"] = kind }, cancellationToken: Timeouts.CallToken);
            Assert.Equal("the real answer", Assert.IsType<TextContentBlock>(Assert.Single(fine.Content)).Text);
        }

        // structuredContent is an object by the protocol: an array is no tool result either.
        foreach (var kind in new[] { "wrong_shape", "structured_array" })
        {
            var read = await client.CallToolAsync("raw_answer", new Dictionary<string, object?> { ["kind"] = kind }, cancellationToken: Timeouts.CallToken);
            var error = AssertError(read, "upstream_error", retryable: false);
            await gateway.WaitForOutputAsync(error["correlation_id"]!.GetValue<string>() + ": the upstream answered with a result that is not a valid tool result", Timeouts.Exit);
        }

        // A write answered that way may have acted: its key is outcome-unknown, and it is answered so at once, the
        // garbled answer named as the cause.
        var arguments = new Dictionary<string, object?> { ["kind"] = "wrong_shape", ["note"] = "garbled", ["idempotency_key"] = "k-garbled" };
        var write = await client.CallToolAsync("raw_write", arguments, cancellationToken: Timeouts.CallToken);
        var cause = Assert.Single(AssertError(write, "idempotency_outcome_unknown", retryable: false)["details"]!.AsArray())!;
        Assert.Equal("upstream_error", cause["keyword"]!.GetValue<string>());
        var repeat = await client.CallToolAsync("raw_write", arguments, cancellationToken: Timeouts.CallToken);
        AssertError(repeat, "idempotency_outcome_unknown", retryable: false);
        Assert.Single(File.ReadAllLines(record), l => l.Contains("garbled", StringComparison.Ordinal));

        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "still here" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("still here", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
    }

    /// <summary>
    /// Before, an answer the MCP SDK could not read as a JSON-RPC message (nested deeper than its reader takes, or JSON of
    /// another shape) was skipped without a word: the call waited for its timeout and the log said nothing of why.
    /// </summary>
    [Fact]
    public async Task StdioUpstream_MessagesTheGatewayCannotRead_AreLoggedWithTheReadersReason()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["raw_answer"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));

        foreach (var kind in new[] { "too_deep", "not_a_message" })
        {
            // The fixture sends its real answer after the broken one: the call still ends well.
            var fine = await client.CallToolAsync("raw_answer", new Dictionary<string, object?> { ["kind"] = kind }, cancellationToken: Timeouts.CallToken);
            Assert.Equal("the real answer", Assert.IsType<TextContentBlock>(Assert.Single(fine.Content)).Text);
        }

        // Reported at once, then at most once a minute: the second is held, and reported at stop.
        await gateway.WaitForOutputAsync("[1026] Connector fixture: the upstream sent 1 message(s) the gateway cannot read as JSON-RPC", Timeouts.Exit);
        Assert.Contains("the latest reason: The maximum configured depth of 64 has been exceeded", gateway.Output, StringComparison.Ordinal);
        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(Timeouts.Exit));
        var reported = gateway.Output.Split('\n').Where(l => l.Contains("[1026] Connector fixture:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, reported.Count);
        Assert.DoesNotContain("maximum configured depth", reported[1], StringComparison.Ordinal);
        Assert.True(reported.TrueForAll(l => l.Length < 1000), string.Join('\n', reported));
    }

    /// <summary>
    /// An answer over HTTP the gateway cannot read may still be the upstream's having acted: the write's key is not
    /// released. Before, the log said only that no reply came ("the upstream connection failed during the call").
    /// </summary>
    [Fact]
    public async Task HttpUpstream_WriteAnsweredNestedTooDeep_IsOutcomeUnknown_AndTheReasonLogged()
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync();
        var config = TestConfig.Gateway(TestConfig.HttpConnector("remote", upstream.McpUrl, ["record"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"));
        await upstream.SetModeAsync("too_deep");
        var arguments = new Dictionary<string, object?> { ["note"] = "deep", ["idempotency_key"] = "k-deep" };

        AssertError(await client.CallToolAsync("record", arguments, cancellationToken: Timeouts.CallToken), "idempotency_outcome_unknown", retryable: false);
        await upstream.SetModeAsync("normal");
        AssertError(await client.CallToolAsync("record", arguments, cancellationToken: Timeouts.CallToken), "idempotency_outcome_unknown", retryable: false);
        await gateway.WaitForOutputAsync("[1026] Connector remote: the upstream sent 1 message(s) the gateway cannot read as JSON-RPC", Timeouts.Exit);
        Assert.Contains("the latest reason: The maximum configured depth of 64 has been exceeded", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>Before, a stdio upstream's stdout lines that are not JSON-RPC were skipped without a word in the log.</summary>
    [Fact]
    public async Task StdioUpstream_LinesNotJsonRpc_AreLoggedOnceAMinuteEscapedAndCut()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["raw_answer"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));

        for (var i = 0; i < 2; i++)
        {
            var fine = await client.CallToolAsync("raw_answer", new Dictionary<string, object?> { ["kind"] = "noise_long" }, cancellationToken: Timeouts.CallToken);
            Assert.Equal("the real answer", Assert.IsType<TextContentBlock>(Assert.Single(fine.Content)).Text);
        }

        // Each line came before its call's answer, on the same stream: both were read when the second answer came.
        var reported = gateway.Output.Split('\n').Where(l => l.Contains("[1024] Connector fixture:", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(reported);
        Assert.Contains("1 line(s) to its standard output that are not JSON-RPC", line, StringComparison.Ordinal);
        Assert.Contains("the latest: \\u001b[31mnot JSON-RPC\\u001b[0m zzz", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', line);
        Assert.DoesNotContain(new string('z', 200), line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpUpstream_BrokenAnswers_AnswerTheirCodesAndLeakNothing()
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync();
        var config = TestConfig.Gateway(TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"));
        var arguments = new Dictionary<string, object?> { ["text"] = "x" };

        await upstream.SetModeAsync("wrong_shape");
        AssertError(await client.CallToolAsync("echo", arguments, cancellationToken: Timeouts.CallToken), "upstream_error", retryable: false);

        // What a proxy in front of the upstream answers is an outage: retryable, and its HTML stays in the log.
        foreach (var mode in new[] { "html502", "sse_no_result", "text_plain" })
        {
            await upstream.SetModeAsync(mode);
            var error = AssertError(await client.CallToolAsync("echo", arguments, cancellationToken: Timeouts.CallToken), "upstream_unavailable", retryable: true);
            Assert.DoesNotContain("nginx", error.ToJsonString(), StringComparison.Ordinal);
        }

        await upstream.SetModeAsync("normal");
        var echo = await client.CallToolAsync("echo", arguments, cancellationToken: Timeouts.CallToken);
        Assert.NotEqual(true, echo.IsError);
    }
}
