using System.Diagnostics;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Audit;

/// <summary>The jsonl sink, argument capture and redaction, fail-closed audit, JSON logs and traces, each on a gateway of its own.</summary>
public sealed class AuditSinkTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task IncludeArguments_RedactedFieldsAreReplacedAtAnyDepth_AndLogsAreJsonLinesWithLevelsPerCategory()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["record_all", "echo"]));
        config["audit"] = new JsonObject
        {
            ["sink"] = "jsonl",
            ["path"] = "trail/audit.jsonl",
            ["include_arguments"] = true,
            ["redact"] = new JsonArray("password", "Token"),
        };
        config["logging"] = new JsonObject { ["levels"] = new JsonObject { ["Portcullis.Core.Idempotency"] = "warning" } };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"), extraArgs: ["--log-format", "json"]);
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx"));
        var marker = Guid.NewGuid().ToString("N");

        var result = await client.CallToolAsync("record_all", new Dictionary<string, object?>
        {
            ["note"] = "visible-" + marker,
            ["password"] = "secret-" + marker,
            ["nested"] = new Dictionary<string, object?> { ["token"] = "tok-" + marker, ["keep"] = "kept" },
            ["list"] = new object[] { new Dictionary<string, object?> { ["PASSWORD"] = "deep-" + marker } },
            ["idempotency_key"] = marker,
        }).AsTask().WaitAsync(Timeout);

        Assert.NotEqual(true, result.IsError);
        var path = dir.File("trail/audit.jsonl");
        var e = await WaitForLineAsync(path, l => l["tool"]?.GetValue<string>() == "record_all");
        var arguments = e["arguments"]!;
        Assert.Equal("visible-" + marker, arguments["note"]!.GetValue<string>());
        Assert.Equal("[redacted]", arguments["password"]!.GetValue<string>());
        Assert.Equal("[redacted]", arguments["nested"]!["token"]!.GetValue<string>());
        Assert.Equal("kept", arguments["nested"]!["keep"]!.GetValue<string>());
        Assert.Equal("[redacted]", arguments["list"]![0]!["PASSWORD"]!.GetValue<string>());
        var text = await File.ReadAllTextAsync(path);
        foreach (var secret in new[] { "secret-", "tok-", "deep-" })
        {
            Assert.DoesNotContain(secret + marker, text, StringComparison.Ordinal);
            Assert.DoesNotContain(secret + marker, gateway.Output, StringComparison.Ordinal);
        }

        await gateway.WaitForOutputAsync("fx/record_all by anonymous", Timeouts.Call); // "->" is escaped in JSON
        var lines = gateway.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line =>
        {
            var log = JsonNode.Parse(line)!;
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", log["Timestamp"]!.GetValue<string>());
            Assert.NotNull(log["Category"]);
        });
        Assert.Contains(lines, l => JsonNode.Parse(l)!["Message"]!.GetValue<string>().Contains("fx/record_all by anonymous -> allowed ok", StringComparison.Ordinal));
        Assert.DoesNotContain("Idempotency purge removed", gateway.Output, StringComparison.Ordinal);
        var (exit, stdout, output) = await PortcullisCli.RunAsync("audit", "--config", gateway.ConfigPath, "--data-dir", gateway.DataDir, "--tool", "record_all", "--json");
        Assert.True(exit == 0, output);
        Assert.Equal("[redacted]", JsonNode.Parse(stdout.Split('\n')[0])!["arguments"]!["password"]!.GetValue<string>());
    }

    [Fact]
    public async Task JsonlSink_GatewayKilledMidStream_LeavesOnlyWholeLinesAndCarriesOnAfterRestart()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["echo"]));
        config["audit"] = new JsonObject { ["sink"] = "jsonl" };
        var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        var path = Path.Combine(gateway.DataDir, "audit.jsonl");
        using var stop = new CancellationTokenSource();
        var killing = false;
        var callers = Enumerable.Range(0, 4).Select(async i =>
        {
            McpClient? client = null;
            var n = 0;
            try
            {
                client = await McpClients.ConnectAsync(gateway.Endpoint("fx"));
                while (!stop.IsCancellationRequested)
                {
                    await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = $"{i}-{n++}" }, cancellationToken: stop.Token).AsTask().WaitAsync(Timeout);
                }
            }
            catch (Exception) when (Volatile.Read(ref killing))
            {
                // The gateway died under the call (or the connect), as intended.
            }
            finally
            {
                await McpClients.DisposeQuietlyAsync(client);
            }
        }).ToArray();

        await WaitForAsync(() => File.Exists(path) && File.ReadAllLines(path).Length >= 100);
        Volatile.Write(ref killing, true);
        await gateway.KillAsync();
        await stop.CancelAsync();
        await Task.WhenAll(callers).WaitAsync(Timeout);

        var bytes = await File.ReadAllBytesAsync(path);
        Assert.Equal((byte)'\n', bytes[^1]);
        var before = AssertWholeLines(path);
        Assert.True(before >= 100);

        await using var restarted = await gateway.RestartAsync();
        await gateway.DisposeAsync();
        await using (var client = await McpClients.ConnectAsync(restarted.Endpoint("fx")))
        {
            await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "after" }).AsTask().WaitAsync(Timeout);
        }

        await WaitForAsync(() => File.ReadAllLines(path).Length > before + 1);
        AssertWholeLines(path);
    }

    [Fact]
    public async Task AuditRequired_SinkDown_CallsFailClosedUntilItRecovers()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        var blocker = dir.File("blocked");
        await File.WriteAllTextAsync(blocker, "a file where the audit folder should be");
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["echo"], record));
        config["audit"] = new JsonObject { ["sink"] = "jsonl", ["path"] = "blocked/audit.jsonl", ["required"] = true };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx"));
        var marker = Guid.NewGuid().ToString("N");

        var refused = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = marker }).AsTask().WaitAsync(Timeout);

        var error = Errors.ErrorAssertions.AssertError(refused, "audit_unavailable", retryable: true);
        Assert.Equal(5, error["retry_after_seconds"]!.GetValue<int>());
        Assert.False(File.Exists(record) && File.ReadAllText(record).Contains(marker, StringComparison.Ordinal));
        await gateway.WaitForOutputAsync("Audit: the jsonl sink cannot keep events", Timeout);

        File.Delete(blocker);
        CallToolResult served;
        using var cts = new CancellationTokenSource(Timeout);
        do
        {
            await Task.Delay(200, cts.Token);
            served = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "back" }).AsTask().WaitAsync(Timeout);
        }
        while (served.IsError == true);

        await WaitForLineAsync(dir.File("blocked/audit.jsonl"), l => l["correlation_id"]?.GetValue<string>() == error["correlation_id"]!.GetValue<string>()
            && l["stage"]?.GetValue<string>() == "audit");
        await gateway.WaitForOutputAsync("Audit: the jsonl sink keeps events again", Timeout);
    }

    [Fact]
    public async Task AuditRequired_QueueFilledByRefusalsWhileACallRuns_TheServedCallIsStillAudited()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["echo", "wait"], record));
        config["audit"] = new JsonObject { ["sink"] = "jsonl", ["path"] = "trail/audit.jsonl", ["required"] = true, ["queue_capacity"] = 100 };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx"));
        var path = dir.File("trail/audit.jsonl");
        var marker = Guid.NewGuid().ToString("N");
        Assert.NotEqual(true, (await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "up" }).AsTask().WaitAsync(Timeout)).IsError);

        // The first echo's event is kept before the trail is taken away, so it goes with the file rather than being in it
        // or not by how soon the writer (which gathers a batch for 100 ms) ran: only echoes served after that are counted.
        await WaitForLineAsync(path, l => l["tool"]?.GetValue<string>() == "echo" && l["decision"]?.GetValue<string>() == "allowed");

        // A call admitted while the trail keeps events, still running when the sink fails. It must outlast the 150
        // refusals below, which on a loaded machine (load average ~30 on 2 cores) took more than 4 s.
        var running = client.CallToolAsync("wait", new Dictionary<string, object?> { ["seconds"] = 12 }).AsTask();
        await WaitForAsync(() => File.Exists(record) && File.ReadAllText(record).Contains("\"wait\"", StringComparison.Ordinal));
        File.Delete(path);
        Directory.CreateDirectory(path);

        // Clients retrying refused calls fill the writer's queue (each refusal is an event) before the running call ends.
        int refused = 0, echoes = 0;
        using (var cts = new CancellationTokenSource(Timeout))
        {
            while (refused < 150)
            {
                var answer = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = marker }, cancellationToken: cts.Token).AsTask().WaitAsync(Timeout);
                refused += answer.IsError == true ? 1 : 0;
                echoes += answer.IsError == true ? 0 : 1;
            }
        }

        Assert.False(running.IsCompleted, "the running call ended before the queue was full");
        var served = await running.WaitAsync(Timeout);
        Assert.NotEqual(true, served.IsError);

        Directory.Delete(path);
        using (var cts = new CancellationTokenSource(Timeout))
        {
            while ((await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "back-" + marker }, cancellationToken: cts.Token).AsTask().WaitAsync(Timeout)).IsError == true)
            {
                await Task.Delay(200, cts.Token);
            }
        }

        // The writer keeps events in order: once every served echo (the one after recovery the last) is kept, the
        // served wait's event would be too.
        echoes++;
        await WaitForAsync(() => File.ReadAllLines(path).Count(line => JsonNode.Parse(line) is { } e
            && e["tool"]?.GetValue<string>() == "echo" && e["decision"]?.GetValue<string>() == "allowed") >= echoes);
        Assert.Contains(File.ReadAllLines(path), line => JsonNode.Parse(line) is { } e
            && e["tool"]?.GetValue<string>() == "wait" && e["decision"]?.GetValue<string>() == "allowed");
    }

    [Fact]
    public async Task AuditRequired_JsonlFilePastTheFileSizeLimit_IsAnOutage_CallsRefusedAndNothingDropped()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["echo"]));
        config["audit"] = new JsonObject { ["sink"] = "jsonl", ["path"] = "trail/audit.jsonl", ["required"] = true };
        var configPath = TestConfig.Write(dir, config);
        var data = dir.File("data");
        // A file size limit (systemd's LimitFSIZE, a file system's largest file) makes write(2) fail with EFBIG; the
        // signal that comes with it by default is ignored here, as a service that sets the limit has it.
        await using var gateway = await StartIgnoringFileSizeSignalAsync(configPath, data);
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx"));
        var path = dir.File("trail/audit.jsonl");
        Assert.NotEqual(true, (await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "up" }).AsTask().WaitAsync(Timeout)).IsError);
        await WaitForLineAsync(path, l => l["tool"]?.GetValue<string>() == "echo");

        await PrlimitAsync(gateway.ProcessId, new FileInfo(path).Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var served = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "served" }).AsTask().WaitAsync(Timeout);
        Assert.NotEqual(true, served.IsError);

        // The trail cannot keep the served call's event: it is an outage, so the next calls are refused, not served unaudited.
        // Calls before the writer first meets the limit (it gathers a batch for up to 100 ms) are still served, and audited.
        CallToolResult answer;
        var allowed = 2;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            await Task.Delay(100);
            answer = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "later" }).AsTask().WaitAsync(Timeout);
            if (answer.IsError == true || deadline.Elapsed >= TimeSpan.FromSeconds(20))
            {
                break;
            }

            allowed++;
        }

        Assert.True(answer.IsError == true, "calls still served unaudited:\n" + gateway.Output);
        Errors.ErrorAssertions.AssertError(answer, "audit_unavailable", retryable: true);
        await gateway.WaitForOutputAsync("Audit: the jsonl sink cannot keep events", Timeout);

        await PrlimitAsync(gateway.ProcessId, "unlimited");
        await gateway.WaitForOutputAsync("Audit: the jsonl sink keeps events again", Timeout);
        await WaitForAsync(() => File.ReadAllLines(path).Count(line => JsonNode.Parse(line) is { } e
            && e["tool"]?.GetValue<string>() == "echo" && e["decision"]?.GetValue<string>() == "allowed") >= allowed);
        Assert.Equal(allowed, File.ReadAllLines(path).Count(line => JsonNode.Parse(line) is { } e
            && e["tool"]?.GetValue<string>() == "echo" && e["decision"]?.GetValue<string>() == "allowed"));
        Assert.DoesNotContain("audit_event_refused", await File.ReadAllTextAsync(path), StringComparison.Ordinal);
        Assert.DoesNotContain("sink refused event", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonlSink_BatchCutShortByTheFileSizeLimit_IsWrittenOnceWhenTheFileTakesItAgain()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["echo"]));
        config["audit"] = new JsonObject { ["sink"] = "jsonl", ["path"] = "trail/audit.jsonl" };
        var configPath = TestConfig.Write(dir, config);
        var data = dir.File("data");
        await using var gateway = await StartIgnoringFileSizeSignalAsync(configPath, data);
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx"));
        var path = dir.File("trail/audit.jsonl");
        Assert.NotEqual(true, (await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "up" }).AsTask().WaitAsync(Timeout)).IsError);
        var line = await WaitForLineAsync(path, l => l["tool"]?.GetValue<string>() == "echo");

        // Room for a line and a half: a batch of several events is cut short after its first whole line.
        var room = (long)(System.Text.Encoding.UTF8.GetByteCount(line.ToJsonString() + "\n") * 1.5);
        await PrlimitAsync(gateway.ProcessId, (new FileInfo(path).Length + room).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var calls = Enumerable.Range(0, 10).Select(i => client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = $"batch-{i}" }).AsTask()).ToList();
        Assert.All(await Task.WhenAll(calls).WaitAsync(Timeout), r => Assert.NotEqual(true, r.IsError));
        await gateway.WaitForOutputAsync("Audit: the jsonl sink cannot keep events", Timeout);

        await PrlimitAsync(gateway.ProcessId, "unlimited");
        await gateway.WaitForOutputAsync("Audit: the jsonl sink keeps events again", Timeout);
        var ids = File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!).Where(e => e["tool"]?.GetValue<string>() == "echo")
            .Select(e => e["correlation_id"]!.GetValue<string>()).ToList();
        Assert.Equal(11, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    private static async Task PrlimitAsync(int pid, string bytes)
    {
        using var prlimit = Process.Start(new ProcessStartInfo("prlimit", ["--pid", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), $"--fsize={bytes}:unlimited"])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        await prlimit.WaitForExitAsync().WaitAsync(Timeout);
        Assert.True(prlimit.ExitCode == 0, await prlimit.StandardError.ReadToEndAsync());
    }

    /// <summary>Each served call and read keeps room in the queue for its event; its record takes it back, so more of them than the queue holds are all served.</summary>
    [Fact]
    public async Task AuditRequired_MoreCallsAndReadsThanTheQueueHolds_AreAllServedAndAudited()
    {
        await using var gateway = await Protocol.PassthroughGateway.StartAsync(new JsonObject
        {
            ["audit"] = new JsonObject { ["sink"] = "jsonl", ["required"] = true, ["queue_capacity"] = 100 },
        });
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint);
        for (var i = 0; i < 150; i++)
        {
            await client.ReadResourceAsync(new ReadResourceRequestParams { Uri = "test://static-text" }).AsTask().WaitAsync(Timeout);
            Assert.NotEqual(true, (await client.CallToolAsync("test_simple_text").AsTask().WaitAsync(Timeout)).IsError);
        }

        var path = Path.Combine(gateway.Process.DataDir, "audit.jsonl");
        await WaitForAsync(() => File.Exists(path) && File.ReadLines(path).Count(l => l.Contains("\"decision\":\"allowed\"", StringComparison.Ordinal)) == 300);
    }

    [Fact]
    public async Task IncludeArguments_SinkDown_QueuedArgumentsAreBounded_EveryEventKept()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("blocked"), "a file where the audit folder should be");
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["echo"]));
        config["audit"] = new JsonObject { ["sink"] = "jsonl", ["path"] = "blocked/audit.jsonl", ["include_arguments"] = true };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx"));
        await gateway.WaitForOutputAsync("Audit: the jsonl sink cannot keep events", Timeout);

        // While the sink is down every event waits in memory: 10,000 of them with arguments of up to a body each (1 MiB)
        // would hold gigabytes. 350 calls of 250,000 characters are 87.5 MB of arguments.
        const int Calls = 350;
        var text = new string('x', 250_000);
        for (var i = 0; i < Calls; i++)
        {
            Assert.NotEqual(true, (await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = text }).AsTask().WaitAsync(Timeout)).IsError);
        }

        File.Delete(dir.File("blocked"));
        var path = dir.File("blocked/audit.jsonl");
        await WaitForAsync(() => File.Exists(path) && File.ReadLines(path).Count(l => l.Contains("\"tool\":\"echo\"", StringComparison.Ordinal)) == Calls);
        var events = File.ReadLines(path).Select(l => JsonNode.Parse(l)!).Where(e => e["tool"]?.GetValue<string>() == "echo").ToList();
        var kept = events.Where(e => e["arguments"] is not null).ToList();
        var left = events.Where(e => e["arguments"] is null).ToList();
        Assert.NotEmpty(left);
        Assert.InRange(kept.Sum(e => e["arguments"]!.ToJsonString().Length), 1, 64 * 1024 * 1024);
        Assert.All(left, e => Assert.Contains("arguments not kept", e["detail"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.All(events, e => Assert.NotNull(e["arguments_sha256"]));
    }

    [Fact]
    public async Task Traces_OneSpanPerCallWithAChildPerStage_ReachAnOtlpReceiver_AndTheTraceContextGoesUpstream()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["echo", "seen_meta"]));
        config["telemetry"] = new JsonObject { ["otlp_endpoint"] = receiver.BaseUrl };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx"));
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var callerSpan = ActivitySpanId.CreateRandom().ToHexString();

        var seen = await client.CallToolAsync(new CallToolRequestParams
        {
            Name = "seen_meta",
            Meta = new JsonObject { ["traceparent"] = $"00-{traceId}-{callerSpan}-01" },
        }).AsTask().WaitAsync(Timeout);

        var call = await receiver.WaitForAsync(s => s.TraceId == traceId && s.Name == "tools/call seen_meta", Timeout);
        Assert.Equal(callerSpan, call.ParentSpanId);
        Assert.Equal("tools/call", call.Attributes["mcp.method.name"]);
        Assert.Equal("seen_meta", call.Attributes["gen_ai.tool.name"]);
        Assert.Equal("allowed", call.Attributes["portcullis.decision"]);
        foreach (var stage in new[] { "authorize", "rate_limit", "validate", "idempotency", "output_schema", "forward" })
        {
            await receiver.WaitForAsync(s => s.TraceId == traceId && s.Name == "portcullis." + stage, Timeout);
        }

        var authorize = receiver.Spans.Single(s => s.TraceId == traceId && s.Name == "portcullis.authorize");
        Assert.Equal(call.SpanId, authorize.ParentSpanId);
        var forward = receiver.Spans.Single(s => s.TraceId == traceId && s.Name == "portcullis.forward");
        var upstreamMeta = JsonNode.Parse(Assert.IsType<TextContentBlock>(Assert.Single(seen.Content)).Text)!;
        Assert.Equal($"00-{traceId}-{forward.SpanId}-01", upstreamMeta["traceparent"]!.GetValue<string>());
    }

    /// <summary>Before, any <c>tracestate</c> a caller sent (any length, any characters) was exported on every span and passed upstream.</summary>
    [Fact]
    public async Task Traces_ATraceStateThatIsNotW3C_IsDropped_AValidOneGoesUpstream()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["seen_meta"]));
        config["telemetry"] = new JsonObject { ["otlp_endpoint"] = receiver.BaseUrl };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx"));

        async Task<JsonNode> SeenAsync(JsonNode traceState)
        {
            var seen = await client.CallToolAsync(new CallToolRequestParams
            {
                Name = "seen_meta",
                Meta = new JsonObject { ["traceparent"] = $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01", ["tracestate"] = traceState },
            }).AsTask().WaitAsync(Timeout);
            return JsonNode.Parse(Assert.IsType<TextContentBlock>(Assert.Single(seen.Content)).Text)!;
        }

        Assert.Equal("vendor=abc,other@tenant=x y", (await SeenAsync("vendor=abc,other@tenant=x y"))["tracestate"]?.GetValue<string>());
        foreach (var junk in new JsonNode[] { new string('a', 600) + "=1", "Vendor=abc", "vendor=a,b", "vendor=\u001b[2J", 42 })
        {
            var meta = await SeenAsync(junk.DeepClone());
            Assert.Null(meta["tracestate"]);
            Assert.NotNull(meta["traceparent"]);
        }
    }

    [Fact]
    public async Task Traces_NamesACallerMadeUp_NeverBecomeSpanNames()
    {
        // Span names are what trace backends group by (and what span-metrics generators label series with), so a name a
        // client invents must no more make a new span name than a new metric series; the attributes keep what was asked.
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var gateway = await Protocol.PassthroughGateway.StartAsync(new JsonObject { ["telemetry"] = new JsonObject { ["otlp_endpoint"] = receiver.BaseUrl } });
        await using var client = await gateway.ConnectAsync("2025-11-25");
        var marker = Guid.NewGuid().ToString("N");
        string Trace(out JsonObject meta)
        {
            var traceId = ActivityTraceId.CreateRandom().ToHexString();
            meta = new JsonObject { ["traceparent"] = $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01" };
            return traceId;
        }

        var known = Trace(out var knownMeta);
        var tool = Trace(out var toolMeta);
        var resource = Trace(out var resourceMeta);
        var templated = Trace(out var templatedMeta);
        var prompt = Trace(out var promptMeta);
        var knownPrompt = Trace(out var knownPromptMeta);

        await client.CallToolAsync(new CallToolRequestParams { Name = "test_simple_text", Meta = knownMeta }).AsTask().WaitAsync(Timeout);
        await client.CallToolAsync(new CallToolRequestParams { Name = "invented_" + marker, Meta = toolMeta }).AsTask().WaitAsync(Timeout);
        await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(() => client.ReadResourceAsync(new ReadResourceRequestParams { Uri = "test://invented/" + marker, Meta = resourceMeta }).AsTask().WaitAsync(Timeout));
        await client.ReadResourceAsync(new ReadResourceRequestParams { Uri = $"test://template/{marker}/data", Meta = templatedMeta }).AsTask().WaitAsync(Timeout);
        await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(() => client.GetPromptAsync(new GetPromptRequestParams { Name = "invented_" + marker, Meta = promptMeta }).AsTask().WaitAsync(Timeout));
        await client.GetPromptAsync(new GetPromptRequestParams { Name = "test_simple_prompt", Meta = knownPromptMeta }).AsTask().WaitAsync(Timeout);

        Assert.Equal("tools/call test_simple_text", (await ServerSpanAsync(known)).Name);
        var unknownTool = await ServerSpanAsync(tool);
        Assert.Equal("tools/call (unknown)", unknownTool.Name);
        Assert.Equal("invented_" + marker, unknownTool.Attributes["gen_ai.tool.name"]);
        var unknownResource = await ServerSpanAsync(resource);
        Assert.Equal("resources/read", unknownResource.Name);
        Assert.Equal("test://invented/" + marker, unknownResource.Attributes["mcp.resource.uri"]);
        Assert.Equal("resources/read", (await ServerSpanAsync(templated)).Name);
        var unknownPrompt = await ServerSpanAsync(prompt);
        Assert.Equal("prompts/get (unknown)", unknownPrompt.Name);
        Assert.Equal("invented_" + marker, unknownPrompt.Attributes["gen_ai.prompt.name"]);
        Assert.Equal("prompts/get test_simple_prompt", (await ServerSpanAsync(knownPrompt)).Name);
        Assert.DoesNotContain(receiver.Spans, s => s.Name.Contains(marker, StringComparison.Ordinal));

        Task<ReceivedSpan> ServerSpanAsync(string traceId) =>
            receiver.WaitForAsync(s => s.TraceId == traceId && s.Attributes.ContainsKey("mcp.method.name"), Timeout);
    }

    private static int AssertWholeLines(string path)
    {
        var lines = File.ReadAllLines(path);
        Assert.All(lines, line =>
        {
            var e = JsonNode.Parse(line)!;
            Assert.False(string.IsNullOrEmpty(e["kind"]?.GetValue<string>()), line);
        });
        return lines.Length;
    }

    private static async Task<JsonNode> WaitForLineAsync(string path, Func<JsonNode, bool> match)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            if (File.Exists(path))
            {
                foreach (var line in await File.ReadAllLinesAsync(path, cts.Token))
                {
                    if (JsonNode.Parse(line) is { } e && match(e))
                    {
                        return e;
                    }
                }
            }

            await Task.Delay(100, cts.Token);
        }
    }

    /// <summary>The gateway with SIGXFSZ ignored, as a service with a file size limit has it: a write past the limit fails with EFBIG.</summary>
    private static Task<GatewayProcess> StartIgnoringFileSizeSignalAsync(string configPath, string data)
    {
        var start = new ProcessStartInfo("bash");
        foreach (var arg in new[] { "-c", "trap '' XFSZ; exec \"$@\"", "gateway", "dotnet", RepoPaths.Gateway, "serve", "--config", configPath, "--listen", "http://127.0.0.1:0", "--data-dir", data })
        {
            start.ArgumentList.Add(arg);
        }

        return GatewayProcess.StartWithAsync(start, configPath, data, Timeouts.Startup);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            await Task.Delay(50, cts.Token);
        }
    }
}
