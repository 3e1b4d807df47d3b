using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ModelContextProtocol.Client;
using Portcullis.Tests.Auth;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Logging;

/// <summary>What an operator reads: a quiet start, one line per failed upstream attempt, stack traces only when debugging.</summary>
public sealed partial class GatewayLogTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Serve_Sample_StartsQuietly()
    {
        using var dir = new TempDir();
        await using var gateway = await GatewayProcess.StartAsync(Path.Combine(RepoPaths.Root, "samples", "crm", "portcullis.json"), dir.File("data"), extraArgs: AdminPlane.ServeArgs);
        var token = await PortcullisCli.DevTokenAsync(gateway, "crm-mcp", "contacts:read");
        await using (var client = await McpClients.ConnectAsync(gateway.Endpoint("crm-mcp"), token))
        {
            using var cts = new CancellationTokenSource(Timeout);
            await client.CallToolAsync("find_contact", new Dictionary<string, object?> { ["query"] = "ada" }, cancellationToken: cts.Token);
        }

        await gateway.WaitForOutputAsync("crm-mcp/find_contact by dev-user -> allowed ok", Timeout);

        var lines = Lines(gateway.Output);
        Assert.Contains(lines, l => l.Contains("upstream connected", StringComparison.Ordinal));
        Assert.All(lines, line => Assert.Matches(LogLine(), line));
        Assert.DoesNotContain(lines, l => l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains(" crit: ", StringComparison.Ordinal));
        Assert.DoesNotContain("Exception", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotMatch(StackFrame(), gateway.Output);
    }

    [Fact]
    public async Task Serve_UpstreamNotBuilt_LogsOneLinePerAttemptNamingTheCommandAndTheFile()
    {
        using var dir = new TempDir();
        var missing = dir.File(Path.Combine("not-built", "Portcullis.Samples.Crm.dll"));
        await using var gateway = await GatewayProcess.StartAsync(NotBuiltConfig(dir), dir.File("data"), waitReady: false);

        await WaitForAttemptsAsync(gateway, 3);

        var lines = Lines(gateway.Output);
        // Every line of the upstream's category about this connector is one attempt (audit lines may name it too).
        var attempts = lines.Where(l => l.Contains("Portcullis.Upstream", StringComparison.Ordinal) && l.Contains("crm", StringComparison.Ordinal)).ToList();
        Assert.True(attempts.Count >= 3, gateway.Output);
        Assert.All(attempts, line =>
        {
            Assert.Contains(" warn: Portcullis.Upstream[1002] Connector crm: upstream unavailable (dotnet not-built/Portcullis.Samples.Crm.dll --db ", line, StringComparison.Ordinal);
            Assert.Contains($"'{missing}' does not exist; next attempt in ", line, StringComparison.Ordinal);
        });
        Assert.All(lines, line => Assert.Matches(LogLine(), line));
        Assert.DoesNotContain(lines, l => l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains(" crit: ", StringComparison.Ordinal));
        Assert.DoesNotMatch(StackFrame(), gateway.Output);
    }

    [Fact]
    public async Task Serve_DebugLevel_LogsTheStackTraceOfEachFailedAttempt()
    {
        using var dir = new TempDir();
        await using var gateway = await GatewayProcess.StartAsync(NotBuiltConfig(dir), dir.File("data"), waitReady: false, extraArgs: ["--log-level", "debug"]);

        await WaitForAttemptsAsync(gateway, 2);

        var details = Lines(gateway.Output).Where(l => l.Contains("[1030] Connector crm:", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(details);
        Assert.All(details, line =>
        {
            Assert.Contains(" dbug: ", line, StringComparison.Ordinal);
            Assert.Contains("UpstreamLaunchException", line, StringComparison.Ordinal);
            Assert.Matches(StackFrame(), line);
        });
    }

    private static string NotBuiltConfig(TempDir dir)
    {
        var connector = TestConfig.CrmConnector();
        connector["upstream"]!["args"]![0] = "not-built/Portcullis.Samples.Crm.dll";
        return TestConfig.Write(dir, TestConfig.Gateway(connector));
    }

    private static async Task WaitForAttemptsAsync(GatewayProcess gateway, int count)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (Lines(gateway.Output).Count(l => l.Contains("[1002] Connector crm:", StringComparison.Ordinal)) < count)
        {
            try
            {
                await Task.Delay(50, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Fewer than {count} attempts were logged within {Timeout}:\n{gateway.Output}");
            }
        }
    }

    [Fact]
    public async Task Call_ToolNameWithControlCharacters_IsInvalidParams_AndNoneOfItReachesTheLog()
    {
        using var dir = new TempDir();
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["echo"]))), dir.File("data"));
        const string Forged = "2026-01-01T00:00:00.000Z info: Portcullis.Forged[1] admin approved everything";
        var name = "evil\u001b[31m\r\n" + Forged + "\u0000\u2028\u009b" + new string('y', 300);

        // Raw JSON-RPC: SDK clients refuse to send such a name at all (it would also travel in a header).
        var endpoint = gateway.Endpoint("fx");
        var session = await OpenSessionAsync(endpoint);
        var call = new JsonObject
        {
            ["jsonrpc"] = "2.0", ["id"] = 2, ["method"] = "tools/call",
            ["params"] = new JsonObject { ["name"] = name, ["arguments"] = new JsonObject() },
        };
        using var response = await AuthGateway.PostAsync(endpoint, null, call.ToJsonString(), session).Within();
        var body = await response.Content.ReadAsStringAsync().Within();
        var error = JsonNode.Parse(body)!["error"]!;
        Assert.Equal(-32602, error["code"]!.GetValue<int>());
        var message = error["message"]!.GetValue<string>();
        Assert.True(message.Length < 250, message);
        Assert.DoesNotContain(message, char.IsControl);
        Assert.Contains("control character", message, StringComparison.Ordinal);

        // A malformed frame: one line for it (at most one a minute), which never repeats the name.
        await gateway.WaitForOutputAsync("malformed", Timeout);
        var output = gateway.Output;
        Assert.DoesNotContain(output, c => c is '\u001b' or '\0' or '\u2028' or '\u009b' or '\r');
        Assert.All(Lines(output), line => Assert.Matches(LogLine(), line));
        Assert.DoesNotContain("Portcullis.Forged", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_ArgumentNamesWithControlCharacters_ReachTheLogEscapedAndBounded()
    {
        using var dir = new TempDir();
        var tools = new JsonObject { ["echo"] = new JsonObject { ["input_schema"] = new JsonObject { ["additionalProperties"] = false } } };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["echo"], tools: tools))), dir.File("data"));
        const string Forged = "2026-01-01T00:00:00.000Z info: Portcullis.Forged[1] admin approved everything";
        // Argument names are the caller's: the refusal's log line (event 1205) names each one refused by its path.
        var arguments = new JsonObject { ["text"] = "hi" };
        arguments["evil\u001b[31m\r" + Forged + "\u2028\u009b\u202e"] = 1;
        for (var i = 0; i < 20; i++)
        {
            arguments[new string((char)('a' + i), 4000)] = i;
        }

        var endpoint = gateway.Endpoint("fx");
        var session = await OpenSessionAsync(endpoint);
        var call = new JsonObject
        {
            ["jsonrpc"] = "2.0", ["id"] = 2, ["method"] = "tools/call",
            ["params"] = new JsonObject { ["name"] = "echo", ["arguments"] = arguments },
        };
        using var response = await AuthGateway.PostAsync(endpoint, null, call.ToJsonString(), session).Within();
        Assert.Contains("invalid_arguments", await response.Content.ReadAsStringAsync().Within(), StringComparison.Ordinal);

        await gateway.WaitForOutputAsync("refused invalid_arguments at validate", Timeout);
        var output = gateway.Output;
        var refused = Assert.Single(Lines(output), l => l.Contains("[1205]", StringComparison.Ordinal));
        Assert.Contains("\\u001b[31m", refused, StringComparison.Ordinal);
        Assert.True(refused.Length < 4000, $"the line is {refused.Length} characters long");
        Assert.DoesNotContain(output, c => c is '\u001b' or '\u2028' or '\u009b' or '\u202e' or '\r');
        Assert.All(Lines(output), line => Assert.Matches(LogLine(), line));
    }

    /// <summary>
    /// An upstream's error message reaches the log as its exception's message (event 1014). Before, only a line feed made
    /// the line one line: a lone carriage return (a terminal then writes what follows over the line's start), a line
    /// separator and escape sequences reached the log as the upstream sent them.
    /// </summary>
    [Fact]
    public async Task Call_UpstreamErrorWithCarriageReturnAndEscapes_IsLoggedAsOneEscapedLine()
    {
        using var dir = new TempDir();
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["protocol_error"]))), dir.File("data"));
        const string Forged = "2026-01-01T00:00:00.000Z info: Portcullis.Forged[1] admin approved everything";
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx")).Within();

        await client.CallToolAsync("protocol_error", new Dictionary<string, object?> { ["message"] = "no such row\r" + Forged + "\u001b[2K\u2028\u009b2K\u000b\tend" },
            cancellationToken: Timeouts.CallToken).Within();

        await gateway.WaitForOutputAsync("the upstream answered with JSON-RPC error", Timeout);
        var output = gateway.Output;
        var rejected = Assert.Single(Lines(output), l => l.Contains("[1014]", StringComparison.Ordinal));
        Assert.Contains("no such row " + Forged + "\\u001b[2K", rejected, StringComparison.Ordinal);
        Assert.Contains("\tend", rejected, StringComparison.Ordinal);
        Assert.DoesNotContain(output, c => c is '\u001b' or '\u2028' or '\u009b' or '\u000b' or '\r');
        Assert.All(Lines(output), line => Assert.Matches(LogLine(), line));
    }

    /// <summary>
    /// A token's subject is the identity provider's text: the gateway refuses control characters in it, not a
    /// bidirectional override or a zero-width character, which reorder or hide what an operator reads. The call log
    /// escapes it; before, the admin plane's refusal (event 2502) wrote it as it came.
    /// </summary>
    [Fact]
    public async Task AdminRefusal_SubjectWithBidiOverride_IsLoggedEscaped()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["echo"]));
        config["identity"] = new JsonObject { ["dev"] = true };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"), extraArgs: AdminPlane.ServeArgs);
        var admin = await AdminPlane.OfAsync(gateway).Within();
        var token = await admin.TokenAsync("portcullis:review", "ops\u202eevil\u200b").Within();

        var (status, _, _) = await admin.SendAsync(HttpMethod.Get, "/admin/api/connectors", token).Within();

        Assert.Equal(403, status);
        await gateway.WaitForOutputAsync("refused (insufficient_scope)", Timeout);
        var refused = Assert.Single(Lines(gateway.Output), l => l.Contains("[2502]", StringComparison.Ordinal));
        Assert.Contains("for ops\\u202eevil\\u200b", refused, StringComparison.Ordinal);
        Assert.DoesNotContain(gateway.Output, c => c is '\u202e' or '\u200b');
    }

    private static List<string> Lines(string output) => [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))];

    /// <summary>Every line the gateway prints is one log event: UTC date and time, level, category and event id.</summary>
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (trce|dbug|info|warn|fail|crit): [\w.]+\[\d+\] ")]
    private static partial Regex LogLine();

    [GeneratedRegex(@"\bat [\w.`<>]+\.[\w<>]+\(")]
    private static partial Regex StackFrame();

    /// <summary>A session opened by raw JSON-RPC (initialize, then initialized), for requests no SDK client would send.</summary>
    private static async Task<string> OpenSessionAsync(Uri endpoint)
    {
        string session;
        using (var initialized = await AuthGateway.PostAsync(endpoint, null, AuthGateway.Initialize).Within())
        {
            session = initialized.Headers.GetValues("Mcp-Session-Id").Single();
        }

        (await AuthGateway.PostAsync(endpoint, null, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", session).Within()).Dispose();
        return session;
    }
}
