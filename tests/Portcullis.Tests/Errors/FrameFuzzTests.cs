using System.Diagnostics;
using System.Text.RegularExpressions;
using CsCheck;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Errors;

/// <summary>
/// Every byte sequence posted to an MCP endpoint gets a JSON-RPC error or an HTTP 4xx, never a 5xx; junk is counted
/// and logged at most once per interval; the gateway keeps serving. 100,000 generated frames against the real
/// gateway, over a few keep-alive connections in parallel.
/// </summary>
public sealed partial class FrameFuzzTests : IAsyncLifetime
{
    private const int FrameCount = 100_000;
    private const int PerSample = 25;

    /// <summary>The gateway's pace for reporting malformed frames (HttpRefusals.JunkReportInterval, docs/errors.md).</summary>
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(60);

    private readonly TempDir _dir = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 8 }) { Timeout = Timeouts.Call };
    private GatewayProcess _gateway = null!;
    private string _sessionId = "";

    public async Task InitializeAsync()
    {
        var connector = TestConfig.FixtureConnector("fixture", ["echo", "record"]);
        connector["resources_allow"] = new System.Text.Json.Nodes.JsonArray("test://*");
        connector["prompts_allow"] = new System.Text.Json.Nodes.JsonArray("p");
        _gateway = await GatewayProcess.StartAsync(TestConfig.Write(_dir, TestConfig.Gateway(connector)), _dir.File("data"));

        using var response = await SendAsync("""{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}}"""u8.ToArray(), inSession: false);
        _sessionId = response.Headers.GetValues("Mcp-Session-Id").Single();
        (await SendAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}"""u8.ToArray(), inSession: true)).Dispose();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Post_100kGeneratedFrames_NoneGetsA5xxJunkIsSampledAndTheGatewayServes()
    {
        var sent = 0L;
        var refused = 0L;
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();

        await Frames.Frame.Array[PerSample].SampleAsync(
            async batch =>
            {
                foreach (var (body, inSession) in batch)
                {
                    HttpResponseMessage response;
                    try
                    {
                        response = await SendAsync(body, inSession);
                    }
                    catch (TaskCanceledException)
                    {
                        lock (failures)
                        {
                            failures.Add($"no answer within {Timeouts.Call} for {Convert.ToHexString(body)}");
                        }

                        continue;
                    }

                    using var _ = response;
                    var text = await response.Content.ReadAsStringAsync();
                    Interlocked.Increment(ref sent);
                    if (text.Contains("\"invalid_request\"", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref refused);
                    }

                    if ((int)response.StatusCode >= 500)
                    {
                        lock (failures)
                        {
                            failures.Add($"{(int)response.StatusCode} for {Convert.ToHexString(body)}: {text}");
                        }
                    }
                }
            },
            iter: FrameCount / PerSample,
            threads: 8);

        clock.Stop();
        Assert.True(failures.Count == 0, $"{failures.Count} frame(s) failed:\n" + string.Join('\n', failures.Take(10)));
        Assert.Equal(FrameCount, sent);
        Assert.True(refused > FrameCount / 4, $"only {refused} frames were refused as malformed; the generator should mutate most of them");

        // Logged at most once per interval, with the count since the last line: never once per frame.
        var reports = JunkReport().Matches(_gateway.Output).Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(reports);
        Assert.InRange(reports.Count, 1, (int)(clock.Elapsed / ReportInterval) + 2);
        Assert.InRange(reports.Sum(), 1, refused);

        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "alive" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("alive", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
        Assert.False(_gateway.HasExited);
        Assert.DoesNotContain(" fail: ", _gateway.Output[_gateway.Output.IndexOf("Portcullis is listening", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> SendAsync(byte[] body, bool inSession)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _gateway.Endpoint("fixture")) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        if (inSession && _sessionId.Length > 0)
        {
            request.Headers.Add("Mcp-Session-Id", _sessionId);
        }

        return await _http.SendAsync(request);
    }

    [GeneratedRegex(@"Refused (\d+) malformed request\(s\) since the last report")]
    private static partial Regex JunkReport();
}
