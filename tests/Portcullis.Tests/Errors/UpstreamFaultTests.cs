using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;
using static Portcullis.Tests.Errors.ErrorAssertions;

namespace Portcullis.Tests.Errors;

/// <summary>Each upstream fault produced for real and answered with the right code, through a real client.</summary>
public sealed class UpstreamFaultTests
{
    [Fact]
    public async Task SlowUpstream_PastTheToolTimeout_AnswersUpstreamTimeoutAndCancelsUpstream()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        var tools = new JsonObject { ["wait"] = new JsonObject { ["timeout_seconds"] = 1 } };
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["wait", "echo"], record, tools));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));

        var result = await client.CallToolAsync("wait", new Dictionary<string, object?> { ["seconds"] = 60 }, cancellationToken: Timeouts.CallToken);

        var error = AssertError(result, "upstream_timeout", retryable: true);
        await gateway.WaitForOutputAsync(error["correlation_id"]!.GetValue<string>(), Timeouts.Exit);
        await WaitForAsync(() => File.Exists(record) && File.ReadAllText(record).Contains("wait_cancelled", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "still here" }, cancellationToken: Timeouts.CallToken);
        Assert.NotEqual(true, echo.IsError);
    }

    [Fact]
    public async Task SlowWrite_PastItsTimeout_AnswersOutcomeUnknownNotRetryable()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        var tools = new JsonObject { ["slow"] = new JsonObject { ["timeout_seconds"] = 1 } };
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["slow"], record, tools));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        var arguments = new Dictionary<string, object?> { ["seconds"] = 30, ["note"] = "timed-out", ["idempotency_key"] = "k-timeout" };

        var first = await client.CallToolAsync("slow", arguments, cancellationToken: Timeouts.CallToken);
        var repeat = await client.CallToolAsync("slow", arguments, cancellationToken: Timeouts.CallToken);

        // The write was sent and may have acted: the answer says so at once, and a retry could never succeed.
        var error = AssertError(first, "idempotency_outcome_unknown", retryable: false);
        var cause = Assert.Single(error["details"]!.AsArray())!;
        Assert.Equal("upstream_timeout", cause["keyword"]!.GetValue<string>());
        AssertError(repeat, "idempotency_outcome_unknown", retryable: false);
        await WaitForAsync(() => File.Exists(record) && File.ReadAllText(record).Contains("timed-out", StringComparison.Ordinal), Timeouts.Call);
        Assert.Single(File.ReadAllLines(record), l => l.Contains("timed-out", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StdioUpstream_KilledMidWrite_AnswersOutcomeUnknownNotRetryable()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["slow"], record));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        var child = Assert.Single(gateway.ChildProcessIds());

        var call = client.CallToolAsync("slow", new Dictionary<string, object?> { ["seconds"] = 60, ["note"] = "lost", ["idempotency_key"] = "k-lost" }).AsTask();
        await WaitForAsync(() => File.Exists(record) && File.ReadAllText(record).Contains("lost", StringComparison.Ordinal), Timeouts.Call);
        System.Diagnostics.Process.GetProcessById(child).Kill();
        var result = await call.WaitAsync(Timeouts.Call);

        var error = AssertError(result, "idempotency_outcome_unknown", retryable: false);
        var cause = Assert.Single(error["details"]!.AsArray())!;
        Assert.Equal("upstream_unavailable", cause["keyword"]!.GetValue<string>());
        Assert.Contains("may have acted", cause["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("retry shortly", error.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task StdioUpstream_KilledMidCall_AnswersUnavailableThenServesAfterRestart()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["wait", "echo"], record));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        var child = Assert.Single(gateway.ChildProcessIds());

        var call = client.CallToolAsync("wait", new Dictionary<string, object?> { ["seconds"] = 60 }).AsTask();
        await WaitForAsync(() => File.Exists(record) && File.ReadAllText(record).Contains("\"wait\"", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        System.Diagnostics.Process.GetProcessById(child).Kill();
        var result = await call.WaitAsync(TimeSpan.FromSeconds(60));

        var error = AssertError(result, "upstream_unavailable", retryable: true);
        Assert.True(error["retry_after_seconds"]!.GetValue<int>() >= 1);
        await gateway.WaitReadyAsync(TimeSpan.FromSeconds(60));
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "back" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("back", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
    }

    [Fact]
    public async Task HttpUpstream_429ThenFailing_MapsRetryAfterThenOpensTheBreaker()
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync();
        var config = TestConfig.Gateway(TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"));

        await upstream.SetModeAsync("429", retryAfterSeconds: 7);
        var limited = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Timeouts.CallToken);

        var error = AssertError(limited, "rate_limited", retryable: true);
        Assert.Equal(7, error["retry_after_seconds"]!.GetValue<int>());

        await upstream.SetModeAsync("500");
        JsonObject? broken = null;
        for (var i = 0; i < 20 && broken is null; i++)
        {
            var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Timeouts.CallToken);
            var failure = AssertError(result, "upstream_unavailable", retryable: true);
            if (failure["retry_after_seconds"]!.GetValue<int>() > 5)
            {
                broken = failure;
            }
        }

        Assert.NotNull(broken);
        Assert.InRange(broken!["retry_after_seconds"]!.GetValue<int>(), 6, 30);
    }

    /// <summary>Before, a read answered 503 got retry_after_seconds 1 whatever the upstream's Retry-After said.</summary>
    [Fact]
    public async Task HttpUpstream_503WithRetryAfter_ReadGetsItsDelayAndAWriteStaysOutcomeUnknown()
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync();
        var config = TestConfig.Gateway(TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo", "record"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"));
        await upstream.SetModeAsync("503", retryAfterSeconds: 42);

        var read = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Timeouts.CallToken);
        var write = await client.CallToolAsync("record", new Dictionary<string, object?> { ["note"] = "busy", ["idempotency_key"] = "k-503" }, cancellationToken: Timeouts.CallToken);

        var error = AssertError(read, "upstream_unavailable", retryable: true);
        Assert.Equal(42, error["retry_after_seconds"]!.GetValue<int>());
        // A 503 does not prove the upstream did not act on the write.
        AssertError(write, "idempotency_outcome_unknown", retryable: false);
    }

    /// <summary>
    /// Before, a 403 was answered as an outage: upstream_unavailable (retryable) for a read, and idempotency_outcome_unknown
    /// for a write, whose key was lost although the upstream had refused to act.
    /// </summary>
    [Fact]
    public async Task HttpUpstream_RefusesTheGatewaysCredentials_AnswersUpstreamErrorAndReleasesTheWriteKey()
    {
        await using var remote = await RecordedRemote.StartAsync();
        var (upstream, gateway, client, record) = (remote.Upstream, remote.Gateway, remote.Client, remote.Record);
        await upstream.SetModeAsync("403");
        var arguments = new Dictionary<string, object?> { ["note"] = "refused", ["idempotency_key"] = "k-refused" };

        var read = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Timeouts.CallToken);
        var write = await client.CallToolAsync("record", arguments, cancellationToken: Timeouts.CallToken);
        await upstream.SetModeAsync("normal");
        var repeat = await client.CallToolAsync("record", arguments, cancellationToken: Timeouts.CallToken);

        var error = AssertError(read, "upstream_error", retryable: false);
        Assert.Contains("refused the gateway's credentials", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        AssertError(write, "upstream_error", retryable: false);
        Assert.NotEqual(true, repeat.IsError); // the key was released: the upstream had not acted
        await gateway.WaitForOutputAsync($"[1025] Call {error["correlation_id"]}: connector remote: the upstream refused the gateway's credentials (HTTP 403)", Timeouts.Call);
        Assert.Single(File.ReadAllLines(record), l => l.Contains("refused", StringComparison.Ordinal));
    }

    /// <summary>Before, /readyz said only that the upstream answered 401, not that it refused the gateway's credentials.</summary>
    [Fact]
    public async Task HttpUpstream_RefusesTheGatewaysCredentialsAtConnect_ReadyzNamesTheRefusal()
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync();
        await upstream.SetModeAsync("401_all");
        var config = TestConfig.Gateway(TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"), waitReady: false);
        await gateway.WaitListeningAsync();

        JsonNode? remote = null;
        await Poll.UntilAsync(
            async ct => (remote = JsonNode.Parse(await gateway.GetAsync("/readyz"))!["connectors"]!["remote"])!["last_error"]?.GetValue<string>()
                == "the upstream refused the gateway's credentials (HTTP 401 Unauthorized)",
            Timeouts.Startup,
            () => $"/readyz to name the credential refusal, last {remote?.ToJsonString()}");
    }

    /// <summary>
    /// Before, /readyz (which answers without a token) repeated the upstream's own error message, cleaned only of what
    /// looks like an address or a <c>name=value</c> secret: a database's host and password written another way passed.
    /// </summary>
    [Theory]
    [InlineData("initialize_error", "the upstream answered with an error (JSON-RPC code -32000)")]
    [InlineData("initialize_500", "the upstream answered HTTP 500 (InternalServerError)")]
    public async Task HttpUpstream_FailsItsHandshakeInItsOwnWords_ReadyzSaysOnlyWhatKind_AdminApiKeepsThem(string mode, string expected)
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync();
        await upstream.SetModeAsync(mode);
        var config = TestConfig.Gateway(TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo"]));
        config["identity"] = new JsonObject { ["dev"] = true };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"), waitReady: false, extraArgs: AdminPlane.ServeArgs);
        await gateway.WaitListeningAsync();
        var admin = await AdminPlane.OfAsync(gateway).Within(Timeouts.Startup);

        JsonNode? remote = null;
        await Poll.UntilAsync(
            async ct => (remote = JsonNode.Parse(await gateway.GetAsync("/readyz"))!["connectors"]!["remote"])!["last_error"] is not null,
            Timeouts.Startup,
            () => $"/readyz to report the failed handshake, last {remote?.ToJsonString()}");
        var published = remote!["last_error"]!.GetValue<string>();
        Assert.StartsWith(expected, published, StringComparison.Ordinal);
        foreach (var secret in new[] { "hunter2", "db-primary", "admin" })
        {
            Assert.DoesNotContain(secret, published, StringComparison.Ordinal);
        }

        var connectors = await admin.GetJsonAsync("/admin/api/connectors", await admin.TokenAsync());
        var status = connectors["connectors"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "remote")!;
        Assert.Contains("db-primary.internal", status["upstream"]!["last_error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, once five failed handshakes opened the HTTP upstream's circuit breaker, the next attempts failed on the
    /// open circuit without reaching the upstream, and <c>last_error</c> said only that: the HTTP 500 that opened it, what
    /// an operator needs, was gone from /readyz and the admin API until the circuit closed.
    /// </summary>
    [Fact]
    public async Task HttpUpstream_FailingUntilItsCircuitOpens_StatusKeepsTheFailureThatOpenedIt()
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync();
        await upstream.SetModeAsync("initialize_500");
        var config = TestConfig.Gateway(TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo"]));
        config["identity"] = new JsonObject { ["dev"] = true };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"), waitReady: false, extraArgs: AdminPlane.ServeArgs);
        await gateway.WaitListeningAsync();
        var admin = await AdminPlane.OfAsync(gateway).Within(Timeouts.Startup);

        // The restarts back off 0.5, 1, 2 and 4 s: the fifth 500 opens the circuit, the sixth attempt meets it open.
        await gateway.WaitForOutputAsync("circuit is now open", Timeouts.Startup);

        var published = JsonNode.Parse(await gateway.GetAsync("/readyz"))!["connectors"]!["remote"]!["last_error"]!.GetValue<string>();
        Assert.StartsWith("the upstream answered HTTP 500 (InternalServerError)", published, StringComparison.Ordinal);
        var connectors = await admin.GetJsonAsync("/admin/api/connectors", await admin.TokenAsync());
        var status = connectors["connectors"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "remote")!["upstream"]!;
        Assert.Contains("db-primary.internal", status["last_error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(status["failed_starts"]!.GetValue<int>() >= 6, status.ToJsonString());
    }

    [Fact]
    public async Task Failures_WithSecretsInTheirMessages_LeakNothingToTheClient()
    {
        using var dir = new TempDir();
        var upstream = await FixtureHttpServer.StartAsync();
        var config = TestConfig.Gateway(
            TestConfig.FixtureConnector("fixture", ["protocol_error", "boom"]),
            TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        await using var remote = await McpClients.ConnectAsync(gateway.Endpoint("remote"));

        var rejected = await client.CallToolAsync("protocol_error", cancellationToken: Timeouts.CallToken);
        AssertError(rejected, "upstream_error", retryable: false);

        var thrown = await client.CallToolAsync("boom", cancellationToken: Timeouts.CallToken);
        Assert.True(thrown.IsError); // the tool's own answer, passed through, with the SDK's generic text
        AssertLeaksNothing(string.Concat(thrown.Content.OfType<TextContentBlock>().Select(t => t.Text)));

        await upstream.DisposeAsync(); // connection refused from now on
        var refused = await remote.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Timeouts.CallToken);
        AssertError(refused, "upstream_unavailable", retryable: true);
        Assert.Contains("hunter2", gateway.Output, StringComparison.Ordinal); // the detail is in the log, not the answer
    }

    [Fact]
    public async Task RateLimit_PerToolBudget_RefusesWithTheLimitersDelay()
    {
        using var dir = new TempDir();
        var tools = new JsonObject { ["echo"] = new JsonObject { ["rate_limit"] = new JsonObject { ["permits"] = 2, ["window_seconds"] = 60 } } };
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo", "env"], tools: tools));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));

        for (var i = 0; i < 2; i++)
        {
            Assert.NotEqual(true, (await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Timeouts.CallToken)).IsError);
        }

        var refused = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Timeouts.CallToken);
        var error = AssertError(refused, "rate_limited", retryable: true);
        Assert.InRange(error["retry_after_seconds"]!.GetValue<int>(), 1, 60);
        var other = await client.CallToolAsync("env", new Dictionary<string, object?> { ["name"] = "HOME" }, cancellationToken: Timeouts.CallToken);
        Assert.NotEqual(true, other.IsError);
    }

    [Fact]
    public async Task UnreachableUpstream_RetriesReadsButNeverWrites()
    {
        using var dir = new TempDir();
        var upstream = await FixtureHttpServer.StartAsync();
        var config = TestConfig.Gateway(TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo", "record"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"));
        await upstream.DisposeAsync();

        var read = AssertError(await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Timeouts.CallToken), "upstream_unavailable", retryable: true);
        var write = AssertError(await client.CallToolAsync("record", new Dictionary<string, object?> { ["note"] = "x", ["idempotency_key"] = "k-1" }, cancellationToken: Timeouts.CallToken), "upstream_unavailable", retryable: true);

        // Each call's decision line comes after its attempts' lines, in the same ordered log.
        await gateway.WaitForOutputAsync($"Call {read["correlation_id"]}: remote/echo", Timeouts.Call);
        await gateway.WaitForOutputAsync($"Call {write["correlation_id"]}: remote/record", Timeouts.Call);
        Assert.Equal(3, Attempts(gateway.Output, read["correlation_id"]!.GetValue<string>()));
        Assert.Equal(1, Attempts(gateway.Output, write["correlation_id"]!.GetValue<string>()));
    }

    /// <summary>
    /// Before, the upstream's client followed redirects: a write whose upstream acted and answered 307 to an address that
    /// refused the connection was answered upstream_unavailable (retryable) and ran again on the retry, and a connector's
    /// credential headers went to wherever the answer pointed.
    /// </summary>
    [Fact]
    public async Task HttpUpstream_AnswersARedirect_IsNotFollowedAndAWriteIsNeverRetried()
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync();
        var connector = TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo", "record"]);
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(connector)), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"));
        await upstream.SetModeAsync("redirect");
        var arguments = new Dictionary<string, object?> { ["note"] = "moved", ["idempotency_key"] = "k-moved" };

        var write = await client.CallToolAsync("record", arguments, cancellationToken: Timeouts.CallToken);
        var repeat = await client.CallToolAsync("record", arguments, cancellationToken: Timeouts.CallToken);
        var read = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Timeouts.CallToken);

        AssertError(write, "idempotency_outcome_unknown", retryable: false);
        AssertError(repeat, "idempotency_outcome_unknown", retryable: false);
        Assert.Equal(true, read.IsError);
        Assert.Equal(0, await upstream.RedirectsFollowedAsync());
    }

    /// <summary>A server that redirects a missing trailing slash (307, the same origin) is followed, and a write runs once.</summary>
    [Fact]
    public async Task HttpUpstream_RedirectsToATrailingSlash_IsFollowedAndAWriteRunsOnce()
    {
        await using var remote = await RecordedRemote.StartAsync();
        var (upstream, client, record) = (remote.Upstream, remote.Client, remote.Record);
        await upstream.SetModeAsync("redirect_slash");

        var write = await client.CallToolAsync("record", new Dictionary<string, object?> { ["note"] = "slash", ["idempotency_key"] = "k-slash" }, cancellationToken: Timeouts.CallToken);

        Assert.NotEqual(true, write.IsError);
        await WaitForAsync(() => File.Exists(record) && File.ReadAllText(record).Contains("slash", StringComparison.Ordinal), Timeouts.Call);
        Assert.Single(File.ReadAllLines(record), l => l.Contains("slash", StringComparison.Ordinal));
    }

    /// <summary>
    /// Before, two layers redirecting the trailing slash back and forth (/mcp to /mcp/, /mcp/ to /mcp) were followed
    /// for every hop allowed, so a write reached the upstream four times. A redirect back to an address the request
    /// already went to is now handed on as the failed answer it is: the write is sent twice, and answered outcome-unknown.
    /// </summary>
    [Fact]
    public async Task HttpUpstream_RedirectsInALoop_IsFollowedToNoAddressTwice()
    {
        await using var remote = await RecordedRemote.StartAsync();
        await remote.Upstream.SetModeAsync("redirect_loop");

        var write = await remote.Client.CallToolAsync("record", new Dictionary<string, object?> { ["note"] = "loop", ["idempotency_key"] = "k-loop" }, cancellationToken: Timeouts.CallToken);

        AssertError(write, "idempotency_outcome_unknown", retryable: false);
        Assert.Equal(2, await remote.Upstream.LoopRedirectsAsync());
    }

    private static int Attempts(string log, string correlationId) =>
        log.Split('\n').Count(l => l.Contains(correlationId, StringComparison.Ordinal) && l.Contains("did not reach the upstream", StringComparison.Ordinal));

    private static Task WaitForAsync(Func<bool> condition, TimeSpan timeout) => Poll.UntilAsync(condition, timeout, "the fixture's record");

    /// <summary>The HTTP fixture, recording its calls, behind a gateway that serves its echo and record to one client.</summary>
    private sealed class RecordedRemote : IAsyncDisposable
    {
        private readonly TempDir _dir = new();

        private RecordedRemote() => Record = _dir.File("calls.jsonl");

        public string Record { get; }

        public FixtureHttpServer Upstream { get; private set; } = null!;

        public GatewayProcess Gateway { get; private set; } = null!;

        public ModelContextProtocol.Client.McpClient Client { get; private set; } = null!;

        public static async Task<RecordedRemote> StartAsync()
        {
            var remote = new RecordedRemote();
            try
            {
                remote.Upstream = await FixtureHttpServer.StartAsync(null, "--record", remote.Record);
                var config = TestConfig.Gateway(TestConfig.HttpConnector("remote", remote.Upstream.McpUrl, ["echo", "record"]));
                remote.Gateway = await GatewayProcess.StartAsync(TestConfig.Write(remote._dir, config), remote._dir.File("data"));
                remote.Client = await McpClients.ConnectAsync(remote.Gateway.Endpoint("remote"));
                return remote;
            }
            catch
            {
                await remote.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await McpClients.DisposeQuietlyAsync(Client);
            if (Gateway is not null)
            {
                await Gateway.DisposeAsync();
            }

            if (Upstream is not null)
            {
                await Upstream.DisposeAsync();
            }

            _dir.Dispose();
        }
    }
}
