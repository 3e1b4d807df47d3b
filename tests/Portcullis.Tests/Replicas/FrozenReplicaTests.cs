using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Npgsql;
using Portcullis.Testing.Servers;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Replicas;

/// <summary>
/// A replica frozen (SIGSTOP: a paused VM, a frozen container, a long GC pause) between its claim of a key and sending
/// the write. While it sleeps its lease ends, the other replicas answer the key outcome-unknown, and an operator who finds
/// nothing done settles it not executed, so the agent's retry runs it elsewhere. The frozen replica must not send its
/// write when it wakes: its claim is no longer its own.
/// </summary>
public sealed class FrozenReplicaTests
{
    private const int LeaseSeconds = 3;

    /// <summary>Before, the woken replica sent the write its lease no longer covered: the note was written twice.</summary>
    [Fact]
    public async Task Write_ReplicaFrozenPastItsLease_KeySettledAndRunElsewhere_IsNotSentWhenItWakes()
    {
        using var dir = new TempDir();
        await using var identity = await TestIdentityProvider.StartAsync().Within(Timeouts.Startup);
        await using var postgres = await PostgresServer.StartAsync().Within(Timeouts.Startup);
        // The replica is frozen while its claim statement is in flight, longer than the store's 5 s default per statement.
        var connection = await postgres.CreateSchemaAsync().Within() + ";Command Timeout=30";
        var calls = dir.File("calls.jsonl");
        await using var frozen = await StartReplicaAsync(dir, identity, connection, calls, "a").Within(Timeouts.Startup);
        await using var other = await StartReplicaAsync(dir, identity, connection, calls, "b").Within(Timeouts.Startup);
        var admin = await AdminPlane.OfAsync(other).Within(Timeouts.Startup);
        var adminToken = identity.Mint(admin.BaseUrl + "/admin", "portcullis:admin", change: c => c["sub"] = "operator-1");
        await using var onFrozen = await McpClients.ConnectAsync(frozen.Endpoint("fx")).Within();
        await using var onOther = await McpClients.ConnectAsync(other.Endpoint("fx")).Within();
        var arguments = new Dictionary<string, string> { ["note"] = "frozen-write", ["idempotency_key"] = "k-frozen" };

        var first = await FreezeHoldingTheClaimAsync(postgres, connection, frozen, onFrozen, arguments);
        try
        {
            // Its lease ends with no outcome: the other replica answers outcome-unknown.
            await Poll.UntilAsync(
                async _ => Witness.ErrorCode(await CallAsync(onOther, arguments)) == "idempotency_outcome_unknown",
                Timeouts.Call, "the key outcome-unknown on the other replica once the lease ended");

            // A person finds nothing done and settles the key not executed; the agent's retry runs it on the other replica.
            var list = await admin.GetJsonAsync("/admin/api/idempotency?state=outcome_unknown&key=k-frozen", adminToken).Within();
            var id = Assert.Single(list["records"]!.AsArray())!["id"]!.GetValue<string>();
            var (status, body, _) = await admin.SendAsync(HttpMethod.Post, $"/admin/api/idempotency/{id}/resolve", adminToken,
                new JsonObject { ["executed"] = false, ["note"] = "nothing in the target" }).Within();
            Assert.True(status == 200, body?.ToJsonString());
            var retry = await CallAsync(onOther, arguments);
            Assert.Null(Witness.ErrorCode(retry));
            Assert.Single(Witness.Recorded(calls, "record", "frozen-write"));
        }
        finally
        {
            await Signals.SendAsync("CONT", frozen.ProcessId);
        }

        // The woken replica answers its caller without sending: nothing was sent, so the answer invites the retry, which
        // replays the one execution.
        var woken = await first.Within();
        Assert.Single(Witness.Recorded(calls, "record", "frozen-write"));
        Assert.Equal("internal", Witness.ErrorCode(woken));
        Assert.True(Witness.Error(woken)["retryable"]!.GetValue<bool>());
        var replay = await CallAsync(onFrozen, arguments);
        Assert.Null(Witness.ErrorCode(replay));
        Assert.True(replay.Meta?["portcullis/replay"]?.GetValue<bool>());
        await frozen.WaitForOutputAsync("the write was not sent", Timeouts.Call);
        Assert.Single(Witness.Recorded(calls, "record", "frozen-write"));
    }

    /// <summary>
    /// Frozen for less than its lease, but long enough for a process started with its replica id to take the id over and
    /// settle its claims outcome-unknown. Before, the woken replica still held a lease, sent the write, and the note was
    /// written twice.
    /// </summary>
    [Fact]
    public async Task Write_ReplicaFrozenWithinItsLease_IdTakenOverKeySettledAndRunElsewhere_IsNotSentWhenItWakes()
    {
        using var dir = new TempDir();
        await using var identity = await TestIdentityProvider.StartAsync().Within(Timeouts.Startup);
        await using var postgres = await PostgresServer.StartAsync().Within(Timeouts.Startup);
        var connection = await postgres.CreateSchemaAsync().Within() + ";Command Timeout=30";
        var calls = dir.File("calls.jsonl");
        await using var frozen = await StartReplicaAsync(dir, identity, connection, calls, "a", leaseSeconds: 300).Within(Timeouts.Startup);
        await using var other = await StartReplicaAsync(dir, identity, connection, calls, "b", leaseSeconds: 300).Within(Timeouts.Startup);
        var admin = await AdminPlane.OfAsync(other).Within(Timeouts.Startup);
        var adminToken = identity.Mint(admin.BaseUrl + "/admin", "portcullis:admin", change: c => c["sub"] = "operator-1");
        await using var onFrozen = await McpClients.ConnectAsync(frozen.Endpoint("fx")).Within();
        await using var onOther = await McpClients.ConnectAsync(other.Endpoint("fx")).Within();
        var arguments = new Dictionary<string, string> { ["note"] = "taken-over-write", ["idempotency_key"] = "k-taken-over" };

        var first = await FreezeHoldingTheClaimAsync(postgres, connection, frozen, onFrozen, arguments);
        GatewayProcess? successor = null;
        try
        {
            // A process started with the frozen one's id takes the id over and settles its claim outcome-unknown at once.
            successor = await StartReplicaAsync(dir, identity, connection, calls, "a", leaseSeconds: 300, home: "a-successor").Within(Timeouts.Startup);
            Assert.Equal("idempotency_outcome_unknown", Witness.ErrorCode(await CallAsync(onOther, arguments)));

            var list = await admin.GetJsonAsync("/admin/api/idempotency?state=outcome_unknown&key=k-taken-over", adminToken).Within();
            var id = Assert.Single(list["records"]!.AsArray())!["id"]!.GetValue<string>();
            var (status, body, _) = await admin.SendAsync(HttpMethod.Post, $"/admin/api/idempotency/{id}/resolve", adminToken,
                new JsonObject { ["executed"] = false, ["note"] = "nothing in the target" }).Within();
            Assert.True(status == 200, body?.ToJsonString());
            Assert.Null(Witness.ErrorCode(await CallAsync(onOther, arguments)));
            Assert.Single(Witness.Recorded(calls, "record", "taken-over-write"));
        }
        finally
        {
            await Signals.SendAsync("CONT", frozen.ProcessId);
        }

        // The woken replica finds its id taken and stops; whether it answers its caller first or not, it sends nothing.
        try
        {
            var woken = await first.Within();
            Assert.Equal("internal", Witness.ErrorCode(woken));
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or ModelContextProtocol.McpException)
        {
            // Its connection closed as it stopped.
        }

        await frozen.WaitForExitAsync(Timeouts.Call).Within();
        Assert.Single(Witness.Recorded(calls, "record", "taken-over-write"));
        Assert.Contains("the store no longer holds the claim as this call's", frozen.Output, StringComparison.Ordinal);
        await successor!.DisposeAsync();
    }

    /// <summary>
    /// The store holds <paramref name="replica"/>'s claim of the key (a table lock), the replica is frozen while it waits
    /// for the answer, then the store makes the claim: the replica holds it, asleep. Answers the call, which ends once the
    /// replica is continued.
    /// </summary>
    private static async Task<Task<CallToolResult>> FreezeHoldingTheClaimAsync(
        PostgresServer postgres, string connection, GatewayProcess replica, McpClient client, Dictionary<string, string> arguments)
    {
        await using var locker = new NpgsqlConnection(connection);
        await locker.OpenAsync().Within();
        await using var transaction = await locker.BeginTransactionAsync().Within();
        await ExecuteAsync(locker, "LOCK TABLE portcullis_idempotency IN EXCLUSIVE MODE").Within();
        var call = CallAsync(client, arguments);
        await Poll.UntilAsync(async ct => await WaitingOnLockAsync(postgres, ct) > 0, Timeouts.Call, "the replica's claim waiting on the lock");
        await Signals.SendAsync("STOP", replica.ProcessId);
        try
        {
            await transaction.CommitAsync().Within();
        }
        catch
        {
            await Signals.SendAsync("CONT", replica.ProcessId);
            throw;
        }

        return call;
    }

    private static Task<GatewayProcess> StartReplicaAsync(TempDir dir, TestIdentityProvider identity, string connection, string calls, string name, int leaseSeconds = LeaseSeconds, string? home = null)
    {
        var folder = Directory.CreateDirectory(dir.File(home ?? name)).FullName;
        File.WriteAllText(Path.Combine(folder, "state-connection"), connection);
        var connector = TestConfig.FixtureConnector("fx", ["record"], calls, new JsonObject
        {
            ["record"] = new JsonObject { ["timeout_seconds"] = 1 },
        });
        var config = TestConfig.Gateway(connector);
        config["identity"] = new JsonObject { ["issuer"] = identity.Issuer, ["jwks_uri"] = identity.JwksUri };
        config["state"] = new JsonObject { ["store"] = "postgres", ["connection"] = "file:state-connection" };
        config["idempotency"] = new JsonObject { ["lease_seconds"] = leaseSeconds };
        config["replica"] = new JsonObject { ["id"] = "replica-" + name, ["advertise_url"] = "http://127.0.0.1:0" };
        var path = Path.Combine(folder, "portcullis.json");
        File.WriteAllText(path, config.ToJsonString());
        return GatewayProcess.StartAsync(path, Path.Combine(folder, "data"), extraArgs: AdminPlane.ServeArgs);
    }

    private static Task<CallToolResult> CallAsync(McpClient client, Dictionary<string, string> arguments) =>
        client.CallToolAsync("record", arguments.ToDictionary(p => p.Key, p => (object?)JsonSerializer.SerializeToElement(p.Value)), cancellationToken: Timeouts.CallToken)
            .AsTask().Within();

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> WaitingOnLockAsync(PostgresServer postgres, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%portcullis_idempotency%'", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
