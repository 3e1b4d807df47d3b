using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using Npgsql;
using Portcullis.Testing.Servers;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Replicas;

/// <summary>
/// One process per replica id on a shared store. Two processes configured with one id (a copied config, a pod
/// template with a fixed id) would each settle the other's claims at start as abandoned and answer for each other's
/// pending calls; the second refuses to start instead, and a replica whose id another process took stops.
/// </summary>
public sealed class ReplicaIdTests
{
    [Theory]
    [InlineData("redis")]
    [InlineData("postgres")]
    public async Task SameId_ASecondProcessWhileTheFirstRuns_RefusesToStart_AndTheFirstServesOn(string store)
    {
        using var dir = new TempDir();
        await using var identity = await TestIdentityProvider.StartAsync().Within(Timeouts.Startup);
        await using var server = await StoreServer.StartAsync(store).Within(Timeouts.Startup);
        await using var first = await StartAsync(dir, identity, store, await server.ConnectionAsync().Within(), "a").Within(Timeouts.Startup);

        await using var second = await StartAsync(dir, identity, store, await server.ConnectionAsync().Within(), "b", waitReady: false).Within(Timeouts.Startup);
        var exitCode = await second.WaitForExitAsync(Timeouts.Startup);

        Assert.True(exitCode == 2, second.Output);
        Assert.Contains("$.replica.id: 'gw-shared' is the id of a replica that is running", second.Output);
        Assert.Contains("is held by gw-shared#", second.Output);
        Assert.DoesNotContain("ready for replica", second.Output);
        Assert.False(first.HasExited);
        await using var client = await McpClients.ConnectAsync(first.Endpoint("fx")).Within();
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "still here" }, cancellationToken: Timeouts.CallToken).Within();
        Assert.NotEqual(true, echo.IsError);
    }

    [Fact]
    public async Task Restart_AfterSigkill_TakesTheIdOverOnceUnrenewed_AfterAStop_AtOnce()
    {
        using var dir = new TempDir();
        await using var identity = await TestIdentityProvider.StartAsync().Within(Timeouts.Startup);
        await using var redis = await StoreServer.StartAsync("redis").Within(Timeouts.Startup);
        var connection = await redis.ConnectionAsync().Within();
        var gateway = await StartAsync(dir, identity, "redis", connection, "a").Within(Timeouts.Startup);
        try
        {
            await gateway.KillAsync();
            var killedRestart = await gateway.RestartAsync().Within(Timeouts.Startup);
            await gateway.DisposeAsync();
            gateway = killedRestart;
            // Taken over once unrenewed (or, on a machine slow to start it, once lapsed): never refused as a running replica's.
            Assert.DoesNotContain("is the id of a replica that is running", gateway.Output);

            gateway.Terminate();
            var stopped = await gateway.WaitForExitAsync(Timeouts.Exit);
            Assert.True(stopped == 0, gateway.Output);
            var stoppedRestart = await gateway.RestartAsync().Within(Timeouts.Startup);
            await gateway.DisposeAsync();
            gateway = stoppedRestart;
            Assert.DoesNotContain("is held by", gateway.Output);
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task IdTakenByAnotherProcessWhileRunning_TheReplicaStops_WithAFailure()
    {
        using var dir = new TempDir();
        await using var identity = await TestIdentityProvider.StartAsync().Within(Timeouts.Startup);
        await using var postgres = await StoreServer.StartAsync("postgres").Within(Timeouts.Startup);
        var connection = await postgres.ConnectionAsync().Within();
        await using var gateway = await StartAsync(dir, identity, "postgres", connection, "a").Within(Timeouts.Startup);

        // Another process with the same id, as the store sees it: it holds the id from now on.
        await using (var store = new NpgsqlConnection(connection))
        {
            await store.OpenAsync().Within();
            await using var command = new NpgsqlCommand(
                "UPDATE portcullis_replicas SET owner = 'gw-shared#ffffffffffffffff', held_until = renewed_at + 3600000 WHERE replica_id = 'gw-shared'", store);
            Assert.Equal(1, await command.ExecuteNonQueryAsync().Within());
        }

        Assert.Equal(1, await gateway.WaitForExitAsync(Timeouts.Exit));
        Assert.Contains("Replica id gw-shared is held by another process now (gw-shared#ffffffffffffffff)", gateway.Output);
    }

    /// <summary>Before, a start refused once its id was taken left the id held: the next start waited for it as for another process.</summary>
    [Fact]
    public async Task StartRefusedByTheUpstreamsAfterTakingTheId_GivesItUp_TheNextStartTakesItAtOnce()
    {
        using var dir = new TempDir();
        await using var identity = await TestIdentityProvider.StartAsync().Within(Timeouts.Startup);
        await using var redis = await StoreServer.StartAsync("redis").Within(Timeouts.Startup);
        var connection = await redis.ConnectionAsync().Within();
        await using (var refusedStart = await StartAsync(dir, identity, "redis", connection, "a", waitReady: false, tools: ["echo", "wipe"]).Within(Timeouts.Startup))
        {
            var exitCode = await refusedStart.WaitForExitAsync(Timeouts.Startup);
            Assert.True(exitCode == 2, refusedStart.Output);
            Assert.Contains("ready for replica", refusedStart.Output);
        }

        await using var fixedStart = await StartAsync(dir, identity, "redis", connection, "a2").Within(Timeouts.Startup);
        Assert.DoesNotContain("is held by", fixedStart.Output);
    }

    private static Task<GatewayProcess> StartAsync(TempDir dir, TestIdentityProvider identity, string store, string connection, string name, bool waitReady = true, string[]? tools = null)
    {
        var home = Directory.CreateDirectory(dir.File(name)).FullName;
        File.WriteAllText(Path.Combine(home, "state-connection"), connection);
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", tools ?? ["echo"]));
        config["identity"] = new JsonObject { ["issuer"] = identity.Issuer, ["jwks_uri"] = identity.JwksUri };
        config["state"] = new JsonObject { ["store"] = store, ["connection"] = "file:state-connection" };
        config["audit"] = new JsonObject { ["sink"] = "jsonl" };
        config["replica"] = new JsonObject { ["id"] = "gw-shared", ["advertise_url"] = "http://127.0.0.1:0" };
        var path = Path.Combine(home, "portcullis.json");
        File.WriteAllText(path, config.ToJsonString());
        return GatewayProcess.StartAsync(path, Path.Combine(home, "data"), waitReady);
    }

    /// <summary>A Redis or PostgreSQL server of the test's own, with a fresh namespace.</summary>
    private sealed class StoreServer : IAsyncDisposable
    {
        private RedisServer? _redis;
        private PostgresServer? _postgres;
        private string? _schema;

        public static async Task<StoreServer> StartAsync(string store) => store == "redis"
            ? new StoreServer { _redis = await RedisServer.StartAsync() }
            : new StoreServer { _postgres = await PostgresServer.StartAsync() };

        /// <summary>The connection string every process of the test shares.</summary>
        public async Task<string> ConnectionAsync() => _redis?.ConnectionString ?? (_schema ??= await _postgres!.CreateSchemaAsync());

        public async ValueTask DisposeAsync()
        {
            if (_redis is not null)
            {
                await _redis.DisposeAsync();
            }

            if (_postgres is not null)
            {
                await _postgres.DisposeAsync();
            }
        }
    }
}
