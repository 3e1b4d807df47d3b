using System.Net;
using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Auth;

/// <summary>
/// Before, every HTTP-level refusal wrote its own log line and audit event: one client sending bad tokens in a loop
/// wrote 13 MB of audit trail and 7 MB of log in ten seconds, and could fill the trail's queue ahead of the calls it
/// must keep. Now each source has a burst a minute, and the rest are summed up in one event carrying their count.
/// </summary>
public sealed class RefusalPaceTests : IAsyncLifetime
{
    private const int Burst = 3;

    private AuthGateway _auth = null!;

    public async Task InitializeAsync() =>
        _auth = await AuthGateway.StartAsync(config => config["audit"] = new JsonObject { ["refusals_per_minute"] = Burst });

    public async Task DisposeAsync() => await _auth.DisposeAsync();

    [Fact]
    public async Task BadTokensInALoop_BeyondTheBurst_AreAnsweredAlike_AndSummedUpInOneEventWithTheirCount()
    {
        var alpha = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            alpha.Add(await RefusedAsync("alpha", "Bearer not.a.jwt"));
        }

        // Another connector, and a token refused for another reason, are paced apart: each within its own burst.
        var beta = new[] { await RefusedAsync("beta", "Bearer not.a.jwt"), await RefusedAsync("beta", "Bearer not.a.jwt") };
        var expired = await RefusedAsync("alpha", "Bearer " + _auth.Idp.Mint(_auth.Resource("alpha"), "fixture:read", issuedAt: DateTimeOffset.UtcNow.AddMinutes(-20), lifetime: TimeSpan.FromMinutes(5)));
        // A valid token is served as ever.
        using (var served = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), "Bearer " + _auth.Token("alpha"), AuthGateway.Initialize))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        // The summary comes when the source's minute ends, or at stop: nothing held is lost.
        _auth.Gateway.Terminate();
        Assert.Equal(0, await _auth.Gateway.WaitForExitAsync(Timeouts.Exit));

        var output = _auth.Gateway.Output;
        Assert.All(alpha.Take(Burst).Concat(beta).Append(expired), id => Assert.Contains($"(correlation id {id})", output, StringComparison.Ordinal));
        Assert.All(alpha.Skip(Burst).SkipLast(1), id => Assert.DoesNotContain(id, output, StringComparison.Ordinal));
        var summary = Assert.Single(output.Split('\n'), line => line.Contains("more request(s) from", StringComparison.Ordinal));
        Assert.Contains($"Refused 9 more request(s) from 127.0.0.1 on connector alpha (tool -) beyond the {Burst} a minute", summary, StringComparison.Ordinal);
        Assert.Contains("authenticate unauthenticated malformed;", summary, StringComparison.Ordinal);
        // The latest's reason in words, as its own line would have given it.
        var first = Assert.Single(output.Split('\n'), line => line.Contains($"(correlation id {alpha[0]})", StringComparison.Ordinal));
        var reason = first[(first.IndexOf("token refused (", StringComparison.Ordinal) + "token refused (".Length)..first.IndexOf("); answered", StringComparison.Ordinal)];
        Assert.Contains($"POST /mcp/alpha: {reason} (correlation id {alpha[^1]})", summary, StringComparison.Ordinal);

        var trail = await RefusalsAsync();
        var forAlpha = trail.Where(e => Text(e, "connector") == "alpha" && Text(e, "detail") == "malformed").ToList();
        Assert.Equal(alpha.Take(Burst).Append(alpha[^1]).Reverse(), forAlpha.Select(e => Text(e, "correlation_id")));
        Assert.Equal(9, forAlpha[0]["count"]!.GetValue<long>());
        Assert.All(forAlpha.Skip(1), e => Assert.Null(e["count"]));
        Assert.Equal(12, forAlpha.Sum(e => e["count"]?.GetValue<long>() ?? 1));
        Assert.Equal(beta.Reverse(), trail.Where(e => Text(e, "connector") == "beta").Select(e => Text(e, "correlation_id")));
        Assert.Contains(trail, e => Text(e, "correlation_id") == expired && e["count"] is null);
    }

    /// <summary>Answers <paramref name="authorization"/> on the connector's endpoint as a refusal, and gives its correlation id.</summary>
    private async Task<string> RefusedAsync(string connector, string authorization)
    {
        using var response = await AuthGateway.PostAsync(_auth.Gateway.Endpoint(connector), authorization, AuthGateway.Initialize);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer error=\"invalid_token\"", AuthGateway.Challenge(response), StringComparison.Ordinal);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(Timeouts.CallToken))!["error"]!;
        Assert.Equal("unauthenticated", error["code"]!.GetValue<string>());
        return error["correlation_id"]!.GetValue<string>();
    }

    /// <summary>The HTTP refusals in the stopped gateway's trail, newest first, as <c>portcullis audit --json</c> prints them.</summary>
    private async Task<List<JsonNode>> RefusalsAsync()
    {
        var (exit, stdout, output) = await PortcullisCli.RunAsync(
            "audit", "--config", _auth.Gateway.ConfigPath, "--data-dir", _auth.Gateway.DataDir, "--kind", "http_refusal", "--json", "--limit", "1000");
        Assert.True(exit == 0, output);
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!)];
    }

    private static string? Text(JsonNode e, string name) => e[name]?.GetValue<string>();
}
