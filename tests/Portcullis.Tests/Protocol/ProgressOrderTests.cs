using System.Text.Json.Nodes;
using Portcullis.Tests.Auth;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Protocol;

/// <summary>
/// On the wire, what the upstream sends during a call reaches the caller in the upstream's order and before the answer:
/// the answer ends the caller's stream, so a message that came after it would be lost.
/// </summary>
public sealed class ProgressOrderTests : IAsyncLifetime
{
    private const int Burst = 40;

    private readonly TempDir _dir = new();
    private FixtureHttpServer _web = null!;
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync()
    {
        _web = await FixtureHttpServer.StartAsync();
        var config = TestConfig.Gateway(
            TestConfig.FixtureConnector("stdio", ["progress_burst"]),
            TestConfig.HttpConnector("http", _web.McpUrl, ["progress_burst"]));
        _gateway = await GatewayProcess.StartAsync(TestConfig.Write(_dir, config), _dir.File("data"));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _web.DisposeAsync();
        _dir.Dispose();
    }

    [Theory]
    [InlineData("stdio")]
    [InlineData("http")]
    public async Task UpstreamBurstsProgressThenAnswers_CallerGetsEveryNotificationInOrderThenTheAnswer(string connector)
    {
        var (session, _) = await PostAsync(connector, null, AuthGateway.Initialize);
        await PostAsync(connector, session, """{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        for (var round = 0; round < 5; round++)
        {
            var call = new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["id"] = round + 10,
                ["method"] = "tools/call",
                ["params"] = new JsonObject
                {
                    ["name"] = "progress_burst",
                    // The first round starts with malformed notifications: dropped, and nothing else lost.
                    ["arguments"] = new JsonObject { ["count"] = Burst, ["malformed"] = round == 0 },
                    ["_meta"] = new JsonObject { ["progressToken"] = $"p-{round}" },
                },
            };
            var (_, events) = await PostAsync(connector, session, call.ToJsonString());

            var progress = events.Where(e => e["method"]?.GetValue<string>() == "notifications/progress").ToList();
            Assert.All(progress, p => Assert.Equal($"p-{round}", p["params"]!["progressToken"]!.GetValue<string>()));
            Assert.Equal(Enumerable.Range(1, Burst).Select(i => (double)i), progress.Select(p => p["params"]!["progress"]!.GetValue<double>()));
            Assert.Equal(["notifications/progress", "notifications/message", "answer"], events.Select(e => e["method"]?.GetValue<string>() ?? "answer").Distinct());
            Assert.Equal(round + 10, events[^1]["id"]!.GetValue<int>());
            Assert.Contains("sent 40", events[^1]["result"]!.ToJsonString(), StringComparison.Ordinal);
        }

        await _gateway.WaitForOutputAsync("the upstream sent notifications/message with parameters that do not fit it; dropped", Timeouts.Call);
        await _gateway.WaitForOutputAsync("the upstream sent notifications/progress with parameters that do not fit it; dropped", Timeouts.Call);
    }

    /// <summary>Posts one frame, in the session if one is given; returns the session id the gateway gave and the frames of its answer, in order.</summary>
    private async Task<(string? SessionId, List<JsonNode> Events)> PostAsync(string connector, string? session, string body)
    {
        using var response = await AuthGateway.PostAsync(_gateway.Endpoint(connector), null, body, session).Within();
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}:\n{_gateway.Output}");
        var text = await response.Content.ReadAsStringAsync().Within();
        var events = text.Split('\n')
            .Where(l => l.StartsWith("data:", StringComparison.Ordinal) && l.Length > "data:".Length + 1)
            .Select(l => JsonNode.Parse(l["data:".Length..])!)
            .ToList();
        return (response.Headers.TryGetValues("Mcp-Session-Id", out var ids) ? ids.Single() : null, events);
    }
}
