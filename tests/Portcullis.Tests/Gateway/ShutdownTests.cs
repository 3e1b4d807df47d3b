using System.Diagnostics;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;
using static Portcullis.Tests.Errors.ErrorAssertions;

namespace Portcullis.Tests.Gateway;

/// <summary>SIGTERM: no new work, calls in flight drain within shutdown.drain_seconds, the rest are cancelled, exit 0.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Sigterm_SlowCallInFlight_DrainsItThenExitsZero()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        await using var gateway = await StartAsync(dir, record, drainSeconds: 60);
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));

        var call = client.CallToolAsync("wait", new Dictionary<string, object?> { ["seconds"] = 3 }).AsTask();
        await Poll.UntilAsync(() => Witness.Recorded(record, "wait", null).Count == 1, Timeouts.Call, "the call to reach the upstream");
        gateway.Terminate();
        var result = await call.WaitAsync(Timeouts.Call);
        var exit = await gateway.WaitForExitAsync(Timeouts.Exit);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("waited 3s", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal(0, exit);
        Assert.Contains("Shutting down: no new requests; 1 call(s) in flight", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("wait_cancelled", File.ReadAllText(record), StringComparison.Ordinal);
        Assert.DoesNotContain("drain time is over", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_WriteOutlastingTheDrain_IsCancelledAnsweredOutcomeUnknownAndNeverRepeated()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        await using var gateway = await StartAsync(dir, record, drainSeconds: 1);
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        var arguments = new Dictionary<string, object?> { ["seconds"] = 60, ["note"] = "drained", ["idempotency_key"] = "k-drained" };

        var call = client.CallToolAsync("slow", arguments).AsTask();
        await Poll.UntilAsync(() => Witness.Recorded(record, "slow", "drained").Count == 1, Timeouts.Call, "the write to reach the upstream");
        gateway.Terminate();
        var result = await call.WaitAsync(Timeouts.Call);
        var exit = await gateway.WaitForExitAsync(Timeouts.Exit);

        var error = AssertError(result, "idempotency_outcome_unknown", retryable: false);
        var cause = Assert.Single(error["details"]!.AsArray())!;
        Assert.Equal("upstream_unavailable", cause["keyword"]!.GetValue<string>());
        // The write may have acted: nothing in the answer may invite a retry, which a new key would turn into a second action.
        Assert.Contains("may have acted", cause["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("retry shortly", error.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, exit);
        Assert.Contains("Shutdown drain time is over: cancelling 1 call(s)", gateway.Output, StringComparison.Ordinal);

        await using var restarted = await gateway.RestartAsync();
        await using var again = await McpClients.ConnectAsync(restarted.Endpoint("fixture"));
        AssertError(await again.CallToolAsync("slow", arguments, cancellationToken: Timeouts.CallToken), "idempotency_outcome_unknown", retryable: false);
        Assert.Single(Witness.Recorded(record, "slow", "drained"));
    }

    /// <summary>
    /// SIGTERM while the start-up gate waited (here for an upstream that never answers its handshake; as well for a
    /// state store that is not there yet) ended the gateway at once with exit code 143, and the upstream it had started
    /// ran on behind it.
    /// </summary>
    [Fact]
    public async Task Sigterm_DuringStartup_StopsTheUpstreamsAndExitsZero()
    {
        using var dir = new TempDir();
        var connector = TestConfig.FixtureConnector("fixture", ["echo"]);
        connector["upstream"] = new JsonObject { ["command"] = "sleep", ["args"] = new JsonArray("300"), ["connect_timeout_seconds"] = 120 };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(connector)), dir.File("data"), waitReady: false);
        await gateway.WaitForOutputAsync("State store sqlite ready", Timeouts.Startup);
        var child = 0;
        await Poll.UntilAsync(() => (child = gateway.ChildProcessIds().FirstOrDefault()) != 0, Timeouts.Call, "the upstream to be started");

        gateway.Terminate();
        var exit = await gateway.WaitForExitAsync(Timeouts.Exit);

        Assert.True(exit == 0, gateway.Output);
        Assert.Contains("Stopped by a signal during start-up", gateway.Output, StringComparison.Ordinal);
        await Poll.UntilAsync(() => !Directory.Exists($"/proc/{child}"), Timeouts.Exit, "the upstream to be stopped");
    }

    /// <summary>
    /// Before, SIGTERM while the start waited for a Redis that was not there ended in "Unhandled exception" and a stack
    /// trace: the Redis client's wait, cut short, failed as "no connection", which was taken for an error, not the stop.
    /// </summary>
    [Fact]
    public async Task Sigterm_WhileTheStartWaitsForRedis_ExitsZeroWithoutAStackTrace()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("state-connection"), "127.0.0.1:1,connectTimeout=1000");
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["echo"]));
        TestConfig.OnSharedStore(config, "redis");
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"), waitReady: false);
        await gateway.WaitForOutputAsync("State store redis is not ready", Timeouts.Startup);
        // Within the next attempt's wait for Redis (it retries after 250 ms and waits up to 5 s).
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        gateway.Terminate();
        var exit = await gateway.WaitForExitAsync(Timeouts.Exit);

        Assert.True(exit == 0, gateway.Output);
        Assert.Contains("Stopped by a signal during start-up", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// SIGHUP (a closing terminal, a reload asked of a service) ended the gateway at once with exit code 129: the write
    /// in flight was cut off without an answer, nothing was drained, and the log said nothing.
    /// </summary>
    [Fact]
    public async Task Sighup_WriteInFlight_DrainsItThenExitsZeroSayingNothingWasReloaded()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        await using var gateway = await StartAsync(dir, record, drainSeconds: 60);
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        var arguments = new Dictionary<string, object?> { ["seconds"] = 3, ["note"] = "hung up", ["idempotency_key"] = "k-hup" };

        var call = client.CallToolAsync("slow", arguments).AsTask();
        await Poll.UntilAsync(() => Witness.Recorded(record, "slow", "hung up").Count == 1, Timeouts.Call, "the write to reach the upstream");
        await Signals.SendAsync("HUP", gateway.ProcessId);
        var result = await call.WaitAsync(Timeouts.Call);
        var exit = await gateway.WaitForExitAsync(Timeouts.Exit);

        Assert.True(result.IsError != true, gateway.Output);
        Assert.Equal("slept 3s", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal(0, exit);
        Assert.Contains("the configuration is not reloaded; stopping as on SIGTERM", gateway.Output, StringComparison.Ordinal);
        Assert.Contains("Shutting down: no new requests; 1 call(s) in flight", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A signal to the gateway's process group (a terminal's Ctrl+C, <c>kill -TERM -PGID</c>, a supervisor that signals the
    /// group) reached its stdio upstreams too, which stopped at once: the write the drain was to let finish lost its
    /// answer and was reported <c>idempotency_outcome_unknown</c>, though it took 3 s of a 60 s drain.
    /// </summary>
    [Fact]
    public async Task SigtermToTheProcessGroup_WriteInFlight_DrainsToItsResult()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["slow"], record));
        config["shutdown"] = new JsonObject { ["drain_seconds"] = 60 };
        var path = TestConfig.Write(dir, config);
        var data = dir.File("data");
        // setsid: the gateway leads a process group of its own, so the signal below reaches it and its children, never the tests.
        var start = new ProcessStartInfo("setsid");
        foreach (var arg in new[] { "dotnet", RepoPaths.Gateway, "serve", "--config", path, "--listen", "http://127.0.0.1:0", "--data-dir", data })
        {
            start.ArgumentList.Add(arg);
        }

        await using var gateway = await GatewayProcess.StartWithAsync(start, path, data, Timeouts.Startup);
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        var arguments = new Dictionary<string, object?> { ["seconds"] = 3, ["note"] = "grouped", ["idempotency_key"] = "k-grouped" };

        var call = client.CallToolAsync("slow", arguments).AsTask();
        await Poll.UntilAsync(() => Witness.Recorded(record, "slow", "grouped").Count == 1, Timeouts.Call, "the write to reach the upstream");
        await Signals.SendToGroupAsync("TERM", gateway.ProcessId);
        var result = await call.WaitAsync(Timeouts.Call);
        var exit = await gateway.WaitForExitAsync(Timeouts.Exit);

        Assert.True(result.IsError != true, gateway.Output);
        Assert.Equal("slept 3s", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal(0, exit);
        Assert.DoesNotContain("restarting", gateway.Output, StringComparison.Ordinal);
    }

    private static Task<GatewayProcess> StartAsync(TempDir dir, string record, int drainSeconds)
    {
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["wait", "slow"], record));
        config["shutdown"] = new JsonObject { ["drain_seconds"] = drainSeconds };
        return GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
    }
}
