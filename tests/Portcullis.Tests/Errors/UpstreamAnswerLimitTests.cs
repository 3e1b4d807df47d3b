using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;
using static Portcullis.Tests.Errors.ErrorAssertions;

namespace Portcullis.Tests.Errors;

/// <summary>
/// An upstream answering more than <c>limits.max_result_bytes</c>: the call gets <c>upstream_error</c>, a write's key is
/// outcome-unknown, and an HTTP upstream's answer is never read whole.
/// </summary>
public sealed class UpstreamAnswerLimitTests
{
    private const int Limit = 3 * 1024 * 1024;

    [Fact]
    public async Task HttpUpstream_AnswerOverTheLimit_IsUpstreamErrorAndIsNotReadWhole()
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync();
        await using var gateway = await StartAsync(dir, TestConfig.HttpConnector("remote", upstream.McpUrl, ["huge", "echo"]));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"));

        var fits = await client.CallToolAsync("huge", Megabytes(2), cancellationToken: Timeouts.CallToken);
        Assert.Equal(2 * 1024 * 1024, Assert.IsType<TextContentBlock>(Assert.Single(fits.Content)).Text.Length);

        var error = AssertError(await client.CallToolAsync("huge", Megabytes(4), cancellationToken: Timeouts.CallToken), "upstream_error", retryable: false);
        Assert.Contains($"larger than the {Limit} bytes", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        await gateway.WaitForOutputAsync(error["correlation_id"]!.GetValue<string>() + ": the upstream's answer was larger than limits.max_result_bytes", Timeouts.Exit);

        // Read whole, 100 MiB of answer costs the gateway gigabytes (about 16 bytes of memory per byte read); stopped at
        // the limit, it costs no more than the limit.
        var before = PeakResidentKiB(gateway.ProcessId);
        AssertError(await client.CallToolAsync("huge", Megabytes(100), cancellationToken: Timeouts.CallToken), "upstream_error", retryable: false);
        var grew = PeakResidentKiB(gateway.ProcessId) - before;
        Assert.True(grew < 400 * 1024, $"the gateway's peak memory grew by {grew} KiB reading an answer it refused");

        // An answer as one JSON body: judged by its declared length before reading, or counted while read without one
        // (also under a 202, which the MCP client reads as a success).
        foreach (var (mode, within) in new[] { ("json_kib_2048", true), ("json_kib_4096", false), ("json_kib_2048_chunked", true), ("json_kib_4096_chunked", false), ("json_kib_4096_chunked_202", false) })
        {
            await upstream.SetModeAsync(mode);
            var answer = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Timeouts.CallToken);
            if (within)
            {
                Assert.Equal(2048 * 1024, Assert.IsType<TextContentBlock>(Assert.Single(answer.Content)).Text.Length);
            }
            else
            {
                AssertError(answer, "upstream_error", retryable: false);
            }
        }

        await upstream.SetModeAsync("normal");
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "still here" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("still here", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
    }

    [Fact]
    public async Task StdioUpstream_WriteAnsweredOverTheLimit_IsOutcomeUnknownAndActedOnce()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        var writer = TestConfig.FixtureConnector("writer", ["huge"], record, new JsonObject { ["huge"] = new JsonObject { ["read_only"] = false } });
        var reader = TestConfig.FixtureConnector("reader", ["huge"]);
        await using var gateway = await StartAsync(dir, writer, reader);

        await using (var client = await McpClients.ConnectAsync(gateway.Endpoint("reader")))
        {
            AssertError(await client.CallToolAsync("huge", Megabytes(4), cancellationToken: Timeouts.CallToken), "upstream_error", retryable: false);
            var read = await client.CallToolAsync("huge", Megabytes(2), cancellationToken: Timeouts.CallToken);
            Assert.NotEqual(true, read.IsError);
        }

        await using var writes = await McpClients.ConnectAsync(gateway.Endpoint("writer"));
        var arguments = new Dictionary<string, object?> { ["megabytes"] = 4, ["idempotency_key"] = "k-too-large" };
        // Answered as every retry with the key will be: outcome-unknown, the dropped answer named as the cause.
        var error = AssertError(await writes.CallToolAsync("huge", arguments, cancellationToken: Timeouts.CallToken), "idempotency_outcome_unknown", retryable: false);
        var cause = Assert.Single(error["details"]!.AsArray())!;
        Assert.Equal("upstream_error", cause["keyword"]!.GetValue<string>());
        Assert.Contains("may have acted", cause["message"]!.GetValue<string>(), StringComparison.Ordinal);

        // The answer was dropped, never stored: the retry is for a person to settle, and the upstream is not called again.
        AssertError(await writes.CallToolAsync("huge", arguments, cancellationToken: Timeouts.CallToken), "idempotency_outcome_unknown", retryable: false);
        Assert.Single(File.ReadAllLines(record), l => l.Contains("\"megabytes\":4", StringComparison.Ordinal));

        var fits = await writes.CallToolAsync("huge", new Dictionary<string, object?> { ["megabytes"] = 2, ["idempotency_key"] = "k-fits" }, cancellationToken: Timeouts.CallToken);
        Assert.NotEqual(true, fits.IsError);
    }

    /// <summary>
    /// Not only tool results: a prompt from a stdio upstream, read whole from its line (the line limit is twice the limit
    /// and 1 MiB), is held to the limit as well, and one that fits passes.
    /// </summary>
    [Fact]
    public async Task StdioUpstream_PromptOverTheLimit_IsUpstreamError()
    {
        await using var gateway = await Protocol.PassthroughGateway.StartAsync(new JsonObject { ["limits"] = new JsonObject { ["max_result_bytes"] = 65536 } });
        await using var client = await gateway.ConnectAsync(Protocol.Versions.V2025);

        var fits = await client.GetPromptAsync(PromptWithArguments(new string('a', 30_000)), Timeouts.CallToken);
        Assert.Contains(new string('a', 30_000), Assert.IsType<TextContentBlock>(Assert.Single(fits.Messages).Content).Text, StringComparison.Ordinal);

        var refused = await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(
            () => client.GetPromptAsync(PromptWithArguments(new string('b', 70_000)), Timeouts.CallToken).AsTask());
        var envelope = (System.Text.Json.JsonElement)refused.Data["error"]!;
        Assert.Equal("upstream_error", envelope.GetProperty("code").GetString());
        Assert.False(envelope.GetProperty("retryable").GetBoolean());
        await gateway.Process.WaitForOutputAsync("'s answer to prompts/get was larger than limits.max_result_bytes", Timeouts.Exit);
    }

    private static GetPromptRequestParams PromptWithArguments(string first) => new()
    {
        Name = "test_prompt_with_arguments",
        Arguments = new Dictionary<string, System.Text.Json.JsonElement>
        {
            ["arg1"] = System.Text.Json.JsonSerializer.SerializeToElement(first),
            ["arg2"] = System.Text.Json.JsonSerializer.SerializeToElement("two"),
        },
    };

    /// <summary>
    /// A stdio upstream's output is read within bounds too: a line of standard output past twice the limit and 1 MiB
    /// closes the connection (the SDK alone would read 100 MiB whole), standard error is cut into lines of 16 KiB,
    /// and the upstream is started again and serves.
    /// </summary>
    [Fact]
    public async Task StdioUpstream_EndlessLines_AreNotReadWhole_AndTheUpstreamServesAgain()
    {
        using var dir = new TempDir();
        await using var gateway = await StartAsync(dir, TestConfig.FixtureConnector("reader", ["huge", "echo", "stderr_flood"]));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("reader"));
        Assert.NotEqual(true, (await client.CallToolAsync("huge", Megabytes(2), cancellationToken: Timeouts.CallToken)).IsError);

        var before = PeakResidentKiB(gateway.ProcessId);
        var flooded = await client.CallToolAsync("stderr_flood", Megabytes(200), cancellationToken: Timeouts.CallToken);
        Assert.Equal("flooded 200 MiB", Assert.IsType<TextContentBlock>(Assert.Single(flooded.Content)).Text);
        await gateway.WaitForOutputAsync("after the flood", Timeouts.Call);
        var afterStderr = PeakResidentKiB(gateway.ProcessId);
        Assert.True(afterStderr - before < 150 * 1024, $"the gateway's peak memory grew by {afterStderr - before} KiB relaying a stderr line");

        var error = Witness.ErrorCode(await client.CallToolAsync("huge", Megabytes(100), cancellationToken: Timeouts.CallToken));
        Assert.True(error is "upstream_unavailable" or "upstream_error", error);
        await gateway.WaitForOutputAsync("bytes to its standard output; the connection was closed", Timeouts.Call);
        var grew = PeakResidentKiB(gateway.ProcessId) - afterStderr;
        Assert.True(grew < 300 * 1024, $"the gateway's peak memory grew by {grew} KiB reading a line it refused");

        var echo = await RetryUntilServedAsync(() => client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "back" }, cancellationToken: Timeouts.CallToken).AsTask());
        Assert.Equal("back", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
    }

    private static async Task<CallToolResult> RetryUntilServedAsync(Func<Task<CallToolResult>> call)
    {
        var deadline = DateTime.UtcNow + Timeouts.Call;
        while (true)
        {
            var result = await call().WaitAsync(Timeouts.Call);
            if (result.IsError != true || DateTime.UtcNow > deadline)
            {
                return result;
            }

            await Task.Delay(250);
        }
    }

    private static async Task<GatewayProcess> StartAsync(TempDir dir, params JsonObject[] connectors)
    {
        var config = TestConfig.Gateway(connectors);
        config["limits"] = new JsonObject { ["max_result_bytes"] = Limit };
        return await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
    }

    private static Dictionary<string, object?> Megabytes(int megabytes) => new() { ["megabytes"] = megabytes };

    private static long PeakResidentKiB(int pid) =>
        long.Parse(File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
}
