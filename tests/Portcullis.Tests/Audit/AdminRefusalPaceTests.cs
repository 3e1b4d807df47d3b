using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Audit;

/// <summary>
/// The admin plane's refusals go through the same pace as the connectors': a client guessing admin tokens in a loop
/// gets its burst of log lines and audit events a minute, and the rest summed up in one event with their count. On a
/// gateway of its own, since a flood would hold other tests' refusal events in the shared one.
/// </summary>
public sealed class AdminRefusalPaceTests : IAsyncLifetime
{
    private const int Burst = 2;

    private readonly TempDir _dir = new();
    private GatewayProcess _gateway = null!;
    private AdminPlane _admin = null!;

    public async Task InitializeAsync()
    {
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["echo"]));
        config["identity"] = new JsonObject { ["dev"] = true };
        config["audit"] = new JsonObject { ["refusals_per_minute"] = Burst };
        _gateway = await GatewayProcess.StartAsync(TestConfig.Write(_dir, config), _dir.File("data"), extraArgs: AdminPlane.ServeArgs);
        _admin = await AdminPlane.OfAsync(_gateway);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task AdminTokensGuessedInALoop_BeyondTheBurst_AreAnsweredAlike_AndSummedUpInOneEventWithTheirCount()
    {
        var guesses = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            var (status, body, _) = await _admin.SendAsync(HttpMethod.Get, "/admin/api/connectors", "not.a.jwt").WaitAsync(Timeouts.Call);
            Assert.Equal(401, status);
            Assert.Equal("unauthenticated", body!["error"]!["code"]!.GetValue<string>());
            guesses.Add(body["error"]!["correlation_id"]!.GetValue<string>());
        }

        var operatorToken = await _admin.TokenAsync();
        var (served, _, _) = await _admin.SendAsync(HttpMethod.Get, "/admin/api/connectors", operatorToken).WaitAsync(Timeouts.Call);
        Assert.Equal(200, served);

        _gateway.Terminate();
        Assert.Equal(0, await _gateway.WaitForExitAsync(Timeouts.Exit));

        var output = _gateway.Output;
        Assert.All(guesses.Take(Burst), id => Assert.Contains($"Request {id}: admin /admin/api/connectors refused (malformed)", output, StringComparison.Ordinal));
        Assert.All(guesses.Skip(Burst).SkipLast(1), id => Assert.DoesNotContain(id, output, StringComparison.Ordinal));
        var summary = Assert.Single(output.Split('\n'), line => line.Contains("more request(s) from", StringComparison.Ordinal));
        Assert.Contains($"Refused 7 more request(s) from 127.0.0.1", summary, StringComparison.Ordinal);
        Assert.Contains($"GET /admin/api/connectors", summary, StringComparison.Ordinal);
        Assert.Contains($"(correlation id {guesses[^1]})", summary, StringComparison.Ordinal);

        var (exit, stdout, cli) = await PortcullisCli.RunAsync(
            "audit", "--config", _gateway.ConfigPath, "--data-dir", _gateway.DataDir, "--kind", "http_refusal", "--json", "--limit", "100");
        Assert.True(exit == 0, cli);
        var trail = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!).ToList();
        Assert.Equal(guesses.Take(Burst).Append(guesses[^1]).Reverse(), trail.Select(e => e["correlation_id"]!.GetValue<string>()));
        Assert.Equal(7, trail[0]["count"]!.GetValue<long>());
        Assert.Equal(9, trail.Sum(e => e["count"]?.GetValue<long>() ?? 1));
    }
}
