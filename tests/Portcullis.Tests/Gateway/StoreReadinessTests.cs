using System.Text.Json.Nodes;
using Portcullis.Testing.Servers;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Gateway;

/// <summary><c>/readyz</c> follows the shared state store after start-up: a store that stops answering takes the replica out of rotation, and back.</summary>
public sealed class StoreReadinessTests
{
    [Fact]
    public async Task Readyz_RedisStopsAnswering_Is503WithTheReason_AndReadyAgainWhenItAnswers()
    {
        using var dir = new TempDir();
        await using var redis = await RedisServer.StartAsync().Within(Timeouts.Startup);
        File.WriteAllText(dir.File("state-connection"), redis.ConnectionString);
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["echo"]));
        config["state"] = new JsonObject { ["store"] = "redis", ["connection"] = "file:state-connection" };
        config["audit"] = new JsonObject { ["sink"] = "jsonl" };
        config["replica"] = new JsonObject { ["id"] = "replica-0", ["advertise_url"] = "http://127.0.0.1:0" };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data")).Within(Timeouts.Startup);
        var ready = JsonNode.Parse(await gateway.GetAsync("/readyz").Within())!;
        Assert.Equal("ready", ready["status"]!.GetValue<string>());
        Assert.True(ready["state"]!["ready"]!.GetValue<bool>());

        await redis.PauseAsync().Within();
        try
        {
            var down = await ReadinessAsync(gateway, "not_ready");
            Assert.Equal(503, down.Status);
            Assert.Equal("redis", down.Body["state"]!["store"]!.GetValue<string>());
            Assert.False(down.Body["state"]!["ready"]!.GetValue<bool>());
            Assert.Contains("the redis store does not answer", down.Body["state"]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.True(down.Body["connectors"]!["fx"]!["ready"]!.GetValue<bool>());
        }
        finally
        {
            await redis.ResumeAsync().Within();
        }

        var back = await ReadinessAsync(gateway, "ready");
        Assert.Equal(200, back.Status);
        Assert.Null(back.Body["state"]!["reason"]);
        Assert.False(gateway.HasExited);
    }

    /// <summary>Polls <c>/readyz</c> until its status is <paramref name="status"/> (a probe waits at most 2 s for the store).</summary>
    private static async Task<(int Status, JsonNode Body)> ReadinessAsync(GatewayProcess gateway, string status)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        (int, JsonNode) last = default;
        await Poll.UntilAsync(
            async ct =>
            {
                using var response = await http.GetAsync(gateway.BaseUrl + "/readyz", ct);
                var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
                last = ((int)response.StatusCode, body);
                return body["status"]!.GetValue<string>() == status;
            },
            Timeouts.Call,
            () => $"/readyz to say {status}, last {last.Item2?.ToJsonString()}");
        return last;
    }
}
