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
        TestConfig.OnSharedStore(config, "redis");
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

    /// <summary>
    /// A PostgreSQL that answers but takes no writes (a standby a failover left the connections on, or
    /// <c>default_transaction_read_only</c>) refuses every call <c>state_unavailable</c>: its clock still answers, so
    /// readiness must not rest on the clock alone, or every replica stays in rotation answering nothing but refusals.
    /// </summary>
    [Fact]
    public async Task Readyz_PostgresTakesNoWrites_Is503WithTheReason_AndReadyAgainWhenWritable()
    {
        using var dir = new TempDir();
        await using var postgres = await PostgresServer.StartAsync().Within(Timeouts.Startup);
        File.WriteAllText(dir.File("state-connection"), await postgres.CreateSchemaAsync().Within());
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["echo"]));
        TestConfig.OnSharedStore(config, "postgres");
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data")).Within(Timeouts.Startup);
        Assert.Equal("ready", JsonNode.Parse(await gateway.GetAsync("/readyz").Within())!["status"]!.GetValue<string>());

        // A session of its own, so it can still change the setting back once the server is read-only.
        await using var operatorConnection = new Npgsql.NpgsqlConnection(postgres.ConnectionString + ";Options=-c default_transaction_read_only=off");
        await operatorConnection.OpenAsync().Within();
        await SetReadOnlyAsync(operatorConnection, true);
        try
        {
            var down = await ReadinessAsync(gateway, "not_ready");
            Assert.Equal(503, down.Status);
            Assert.False(down.Body["state"]!["ready"]!.GetValue<bool>());
            Assert.Contains("the postgres store takes no writes", down.Body["state"]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        finally
        {
            await SetReadOnlyAsync(operatorConnection, false);
        }

        var back = await ReadinessAsync(gateway, "ready");
        Assert.Equal(200, back.Status);
        Assert.False(gateway.HasExited);
    }

    private static async Task SetReadOnlyAsync(Npgsql.NpgsqlConnection connection, bool readOnly)
    {
        await using var alter = new Npgsql.NpgsqlCommand($"ALTER SYSTEM SET default_transaction_read_only = {(readOnly ? "on" : "off")}", connection);
        await alter.ExecuteNonQueryAsync().Within();
        await using var reload = new Npgsql.NpgsqlCommand("SELECT pg_reload_conf()", connection);
        await reload.ExecuteNonQueryAsync().Within();
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
