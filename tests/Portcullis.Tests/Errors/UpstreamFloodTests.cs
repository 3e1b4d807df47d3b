using System.Globalization;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Conformance;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Errors;

/// <summary>
/// A stdio upstream that floods its standard output. Requests of its own (here pings) while it does not read its standard input:
/// the gateway's answers cannot be written, so each request it took up waited for ever. Before, every one of them was
/// held (a task, its request and its answer, about 1.3 KB): a million pings (45 MB of output) grew the gateway by more
/// than a gigabyte, and a longer flood ended in the kernel killing the gateway with every connector behind it.
/// </summary>
public sealed class UpstreamFloodTests
{
    private const int Pings = 1_000_000;

    /// <summary>
    /// A raw upstream: answers the handshake and its tool list, then stops reading its standard input and writes
    /// <c>count</c> ping requests (or, with <c>progress</c>, progress notifications whose progress is no number; with
    /// <c>sampling</c>, sampling requests while it goes on reading), saying on standard error once the last has gone into the pipe.
    /// </summary>
    private const string FloodScript = """
        const count = Number(process.argv[2]);
        const kind = process.argv[3];
        let buffer = '';
        let flooding = false;
        const send = message => process.stdout.write(JSON.stringify(message) + '\n');
        process.stdin.setEncoding('utf8');
        process.stdin.on('data', data => {
          buffer += data;
          let end;
          while (!flooding && (end = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, end);
            buffer = buffer.slice(end + 1);
            if (!line.trim()) continue;
            const m = JSON.parse(line);
            if (m.method === 'initialize') {
              send({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'flood', version: '1' } } });
            } else if (m.method === 'tools/list') {
              send({ jsonrpc: '2.0', id: m.id, result: { tools: [{ name: 'quiet', inputSchema: { type: 'object' } }] } });
              flooding = true;
              if (kind !== 'sampling') process.stdin.pause();
              flood(0);
            } else if (m.id !== undefined && m.method) {
              send({ jsonrpc: '2.0', id: m.id, result: {} });
            }
          }
        });
        function flood(i) {
          while (i < count) {
            const lines = [];
            for (let j = 0; j < 1000 && i < count; j++, i++) lines.push(JSON.stringify(
              kind === 'progress' ? { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'nobody', progress: 'NaN' } }
              : kind === 'sampling' ? { jsonrpc: '2.0', id: 'ask-' + i, method: 'sampling/createMessage', params: { messages: [], maxTokens: 1 } }
              : { jsonrpc: '2.0', id: 'ping-' + i, method: 'ping' }));
            const last = i >= count;
            const more = process.stdout.write(lines.join('\n') + '\n', last ? () => process.stderr.write('flooded ' + count + '\n') : undefined);
            if (!more && !last) { process.stdout.once('drain', () => flood(i)); return; }
          }
        }
        """;

    [Fact]
    public async Task StdioUpstream_FloodsRequestsWithoutReadingItsInput_MemoryStaysBoundedAndOtherConnectorsServe()
    {
        using var dir = new TempDir();
        await using var gateway = await StartAsync(dir, Pings, "ping");

        await gateway.WaitForOutputAsync($"flooded {Pings}", Timeouts.Call);
        var rss = ResidentBytes(gateway.ProcessId);
        Assert.True(rss < 400L * 1024 * 1024, $"the gateway holds {rss / (1024 * 1024)} MiB after the upstream's flood of {Pings} requests");

        // The requests past the bound are dropped, and said so once, not a million times.
        await gateway.WaitForOutputAsync("[1031] Connector flood: the upstream sent", Timeouts.Call);
        Assert.Single(gateway.Output.Split('\n'), l => l.Contains("[1031] Connector flood:", StringComparison.Ordinal));

        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "unaffected" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("unaffected", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
        Assert.False(gateway.HasExited);
    }

    /// <summary>Before, each such notification was a warning of its own: 200,000 of them wrote 30 MB to the log.</summary>
    [Fact]
    public async Task StdioUpstream_FloodsMalformedProgress_IsLoggedOnceAMinuteNotPerNotification()
    {
        using var dir = new TempDir();
        await using var gateway = await StartAsync(dir, 200_000, "progress");

        await gateway.WaitForOutputAsync("flooded 200000", Timeouts.Call);
        await gateway.WaitForOutputAsync("[1408] Connector flood: the upstream sent notifications/progress with parameters that do not fit it", Timeouts.Call);
        Assert.Single(gateway.Output.Split('\n'), l => l.Contains("[1408] Connector flood:", StringComparison.Ordinal));

        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "unaffected" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("unaffected", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
    }

    /// <summary>
    /// Sampling asked outside any call is refused (no client to ask); before, each refusal was a warning of its own, and
    /// an upstream that reads the refusals could write as many as it liked to the log.
    /// </summary>
    [Fact]
    public async Task StdioUpstream_FloodsSamplingOutsideAnyCall_RefusalsAreLoggedOnceAMinute()
    {
        using var dir = new TempDir();
        await using var gateway = await StartAsync(dir, 20_000, "sampling");

        await gateway.WaitForOutputAsync("flooded 20000", Timeouts.Call);
        await gateway.WaitForOutputAsync("[1401] Connector flood: the upstream sent a sampling request", Timeouts.Call);
        Assert.Single(gateway.Output.Split('\n'), l => l.Contains("[1401] Connector flood:", StringComparison.Ordinal));
    }

    /// <summary>The gateway with the fixture and, as connector <c>flood</c>, the raw upstream flooding <paramref name="count"/> of <paramref name="kind"/>.</summary>
    private static async Task<GatewayProcess> StartAsync(TempDir dir, int count, string kind)
    {
        var script = dir.File("flood.js");
        await File.WriteAllTextAsync(script, FloodScript);
        var flood = new JsonObject
        {
            ["server"] = "flood",
            ["environment"] = "test",
            ["upstream"] = new JsonObject { ["command"] = NodeTools.Node, ["args"] = new JsonArray(script, count.ToString(CultureInfo.InvariantCulture), kind) },
            ["auth"] = new JsonObject { ["mode"] = "none" },
            ["tools_allow"] = new JsonArray("quiet"),
            ["tools"] = new JsonObject { ["quiet"] = new JsonObject { ["read_only"] = true } },
        };
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"]), flood);
        return await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
    }

    private static long ResidentBytes(int processId)
    {
        var line = File.ReadLines($"/proc/{processId}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
}
