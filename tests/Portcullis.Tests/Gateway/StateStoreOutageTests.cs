using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using Portcullis.Testing.Servers;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Gateway;

/// <summary>
/// A shared state store that goes away under a running replica: every answer that needed it is the catalog's retryable
/// <c>state_unavailable</c> (tool calls, whose write was not sent, and the admin API), the outage is reported in the log
/// without one line per request, and the gateway serves on.
/// </summary>
public sealed class StateStoreOutageTests
{
    [Fact]
    public async Task RedisGone_CallsAndAdminApi_AnswerStateUnavailable_NothingSentUpstream()
    {
        using var dir = new TempDir();
        await using var identity = await TestIdentityProvider.StartAsync().Within(Timeouts.Startup);
        var redis = await RedisServer.StartAsync().Within(Timeouts.Startup);
        var stopped = false;
        try
        {
            File.WriteAllText(dir.File("state-connection"), redis.ConnectionString);
            var connector = TestConfig.FixtureConnector("fx", ["echo", "record"], dir.File("calls.jsonl"));
            connector["rate_limit"] = new JsonObject { ["permits"] = 1000, ["window_seconds"] = 60 };
            var config = TestConfig.Gateway(connector);
            TestConfig.OnSharedStore(config, "redis");
            await using var operated = await OperatedGateway.StartAsync(dir, config, identity, "portcullis:admin portcullis:review").Within(Timeouts.Startup);
            var (gateway, admin, token) = operated;
            Assert.Equal(200, (await admin.SendAsync(HttpMethod.Get, "/admin/api/reviews", token).Within()).Status);
            await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx")).Within();
            Assert.Null(Witness.ErrorCode(await CallAsync(client, "echo", new() { ["text"] = "before" })));

            stopped = true;
            await redis.DisposeAsync();

            var write = await CallAsync(client, "record", new() { ["note"] = "during the outage", ["idempotency_key"] = "k-outage" });
            var read = await CallAsync(client, "echo", new() { ["text"] = "during the outage" });
            foreach (var result in new[] { write, read })
            {
                Assert.Equal("state_unavailable", Witness.ErrorCode(result));
                var error = Witness.Error(result);
                Assert.True(error["retryable"]!.GetValue<bool>());
                Assert.Equal(5, error["retry_after_seconds"]!.GetValue<int>());
                Assert.DoesNotContain("redis", error["message"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
            }

            Assert.Empty(Witness.Recorded(dir.File("calls.jsonl"), "record", "during the outage"));

            foreach (var path in new[] { "/admin/api/reviews", "/admin/api/idempotency" })
            {
                var (status, body, response) = await admin.SendAsync(HttpMethod.Get, path, token).Within();
                Assert.Equal(503, status);
                var error = body!["error"]!;
                Assert.Equal("state_unavailable", error["code"]!.GetValue<string>());
                Assert.True(error["retryable"]!.GetValue<bool>());
                Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
                Assert.Equal(error["correlation_id"]!.GetValue<string>(), response.Headers.GetValues("Portcullis-Correlation-Id").Single());
                // Before, the 503 lost them: it is written after clearing the response.
                Assert.True(response.Headers.CacheControl?.NoStore, $"Cache-Control: {response.Headers.CacheControl}");
                Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            }

            // The admin API's refusals are audited like the gateway's (the audit trail here is a file: it outlives the store).
            var trail = Path.Combine(gateway.DataDir, "audit.jsonl");
            await Poll.UntilAsync(
                () => File.Exists(trail) && File.ReadLines(trail).Any(l => l.Contains("\"http_refusal\"", StringComparison.Ordinal)
                    && l.Contains("\"state_unavailable\"", StringComparison.Ordinal) && l.Contains("/admin/api/idempotency", StringComparison.Ordinal)),
                Timeouts.Call, "the admin API's state_unavailable refusal in the audit trail");

            // Reported as an outage of the store (how often: StateOutagesTests), never as a call that "failed unexpectedly".
            await gateway.WaitForOutputAsync("The redis store does not answer", Timeouts.Call);
            Assert.DoesNotContain("failed unexpectedly", gateway.Output, StringComparison.Ordinal);
            Assert.False(gateway.HasExited);
        }
        finally
        {
            if (!stopped)
            {
                await redis.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// A Redis full at its <c>maxmemory</c> (the <c>noeviction</c> policy operations.md asks for) refuses every write with
    /// <c>OOM</c>: an outage the calls wait out, not a defect of the gateway.
    /// </summary>
    [Fact]
    public async Task RedisFull_CallsAnswerStateUnavailable_NothingSent_ServedAgainOnceItHasRoom()
    {
        using var dir = new TempDir();
        await using var redis = await RedisServer.StartAsync().Within(Timeouts.Startup);
        File.WriteAllText(dir.File("state-connection"), redis.ConnectionString);
        var connector = TestConfig.FixtureConnector("fx", ["echo", "record"], dir.File("calls.jsonl"));
        connector["rate_limit"] = new JsonObject { ["permits"] = 1000, ["window_seconds"] = 60 };
        var config = TestConfig.Gateway(connector);
        TestConfig.OnSharedStore(config, "redis");
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data")).Within(Timeouts.Startup);
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx")).Within();
        Assert.Null(Witness.ErrorCode(await CallAsync(client, "echo", new() { ["text"] = "before" })));

        var options = StackExchange.Redis.ConfigurationOptions.Parse(redis.ConnectionString.Replace("unix:" + redis.SocketPath + ",", "", StringComparison.Ordinal));
        options.EndPoints.Add(new System.Net.Sockets.UnixDomainSocketEndPoint(redis.SocketPath));
        options.AllowAdmin = true;
        await using var operatorConnection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(options).Within();
        var db = operatorConnection.GetDatabase();
        await db.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "noeviction").Within();
        await db.ExecuteAsync("CONFIG", "SET", "maxmemory", "1").Within();

        var write = await CallAsync(client, "record", new() { ["note"] = "while full", ["idempotency_key"] = "k-full" });
        var read = await CallAsync(client, "echo", new() { ["text"] = "while full" });
        await AssertOutageAnsweredAsync(gateway, dir, "redis", "while full", write, read);

        await db.ExecuteAsync("CONFIG", "SET", "maxmemory", "0").Within();
        var retried = await CallAsync(client, "record", new() { ["note"] = "while full", ["idempotency_key"] = "k-full" });
        Assert.Null(Witness.ErrorCode(retried));
        Assert.Single(Witness.Recorded(dir.File("calls.jsonl"), "record", "while full"));
    }

    /// <summary>
    /// A PostgreSQL that takes no writes (a hot standby a failover left the connection on; here
    /// <c>default_transaction_read_only</c>) refuses every claim and count with <c>25006</c>: an outage the calls wait out,
    /// as Redis's <c>READONLY</c>, not a defect of the gateway answered <c>internal</c> with a stack trace per call.
    /// </summary>
    [Fact]
    public async Task PostgresReadOnly_CallsAnswerStateUnavailable_NothingSent_ServedAgainOnceWritable()
    {
        using var dir = new TempDir();
        await using var postgres = await PostgresServer.StartAsync().Within(Timeouts.Startup);
        File.WriteAllText(dir.File("state-connection"), await postgres.CreateSchemaAsync().Within());
        var connector = TestConfig.FixtureConnector("fx", ["echo", "record"], dir.File("calls.jsonl"));
        connector["rate_limit"] = new JsonObject { ["permits"] = 1000, ["window_seconds"] = 60 };
        var config = TestConfig.Gateway(connector);
        TestConfig.OnSharedStore(config, "postgres");
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data")).Within(Timeouts.Startup);
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx")).Within();
        Assert.Null(Witness.ErrorCode(await CallAsync(client, "echo", new() { ["text"] = "before" })));

        // A session of its own, so it can still change the setting back once the server is read-only.
        await using var operatorConnection = new Npgsql.NpgsqlConnection(postgres.ConnectionString + ";Options=-c default_transaction_read_only=off");
        await operatorConnection.OpenAsync().Within();
        await SetReadOnlyAsync(operatorConnection, true);
        await Poll.UntilAsync(async _ => Witness.ErrorCode(await CallAsync(client, "echo", new() { ["text"] = "read-only" })) is not null,
            Timeouts.Call, "the gateway's connections to see the server read-only");

        var write = await CallAsync(client, "record", new() { ["note"] = "while read-only", ["idempotency_key"] = "k-read-only" });
        var read = await CallAsync(client, "echo", new() { ["text"] = "while read-only" });
        await AssertOutageAnsweredAsync(gateway, dir, "postgres", "while read-only", write, read);

        await SetReadOnlyAsync(operatorConnection, false);
        await Poll.UntilAsync(async _ => Witness.ErrorCode(await CallAsync(client, "record", new() { ["note"] = "while read-only", ["idempotency_key"] = "k-read-only" })) is null,
            Timeouts.Call, "the write to go through once the server takes writes");
        Assert.Single(Witness.Recorded(dir.File("calls.jsonl"), "record", "while read-only"));
    }

    /// <summary>
    /// A PostgreSQL server that stops answering (every process frozen, its sockets open, as a hung host): a write's claim
    /// is answered <c>state_unavailable</c>, retryable, never left hanging, nothing sent; once the server runs again the
    /// retry goes through, and the write is done once. The answer comes within the store's documented bound (the 5 s
    /// timeout and a second, with room for a busy machine). Before, it took about 15 s: on the statement's timeout
    /// Npgsql asks the frozen server to cancel it over a new connection and waits for that too.
    /// </summary>
    [Fact]
    public async Task PostgresFrozen_WriteAnsweredStateUnavailable_NotLeftHanging_DoneOnceWhenItWakes()
    {
        using var dir = new TempDir();
        await using var postgres = await PostgresServer.StartAsync().Within(Timeouts.Startup);
        File.WriteAllText(dir.File("state-connection"), await postgres.CreateSchemaAsync().Within());
        await AssertFrozenWriteAnsweredAsync(dir, "postgres", rateLimited: false, postgres.PauseAsync, postgres.ResumeAsync, atLeast: TimeSpan.FromSeconds(4));
    }

    /// <summary>
    /// A reviewer's approval while the PostgreSQL server is frozen: the admin API answers 503 <c>state_unavailable</c>
    /// (retryable, <c>Retry-After</c>) within the store's bound, with room for a busy machine. Before, about 15 s (the
    /// review's read waited for Npgsql's cancel request to the frozen server). Nothing was decided behind that answer:
    /// once the server runs again the review is still pending, the approval asked again decides it, and the call runs once.
    /// </summary>
    [Fact]
    public async Task PostgresFrozen_ReviewDecisionAnswered503StateUnavailable_WithinTheBound_DecidedOnceWhenItWakes()
    {
        using var dir = new TempDir();
        await using var identity = await TestIdentityProvider.StartAsync().Within(Timeouts.Startup);
        await using var postgres = await PostgresServer.StartAsync().Within(Timeouts.Startup);
        File.WriteAllText(dir.File("state-connection"), await postgres.CreateSchemaAsync().Within());
        var connector = TestConfig.FixtureConnector("fx", ["echo", "record"], dir.File("calls.jsonl"), new JsonObject
        {
            ["record"] = new JsonObject { ["review"] = new JsonObject { ["required"] = true, ["mode"] = "reviewer" } },
        });
        var config = TestConfig.Gateway(connector);
        TestConfig.OnSharedStore(config, "postgres");
        await using var operated = await OperatedGateway.StartAsync(dir, config, identity, "portcullis:admin portcullis:review").Within(Timeouts.Startup);
        var (gateway, admin, token) = operated;
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx")).Within();
        var arguments = new Dictionary<string, string> { ["note"] = "reviewed", ["idempotency_key"] = "k-reviewed" };
        var held = await CallAsync(client, "record", arguments);
        Assert.Equal("review_pending", Witness.ErrorCode(held));
        var id = Witness.Error(held)["details"]!.AsArray().Single(d => d!["keyword"]!.GetValue<string>() == "review_id")!["message"]!.GetValue<string>();
        var approve = new JsonObject { ["decision"] = "approve" };
        await PostgresPool.WarmAsync(File.ReadAllText(dir.File("state-connection")), () => admin.SendAsync(HttpMethod.Get, "/admin/api/reviews/" + id, token), 8);

        await postgres.PauseAsync().Within();
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        (int Status, JsonNode? Body, HttpResponseMessage Response) frozen;
        try
        {
            frozen = await admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, token, approve).Within(TimeSpan.FromSeconds(60));
            elapsed.Stop();
        }
        finally
        {
            await postgres.ResumeAsync().Within();
        }

        Assert.Equal(503, frozen.Status);
        Assert.Equal("state_unavailable", frozen.Body!["error"]!["code"]!.GetValue<string>());
        Assert.True(frozen.Body!["error"]!["retryable"]!.GetValue<bool>());
        Assert.Equal("5", frozen.Response.Headers.GetValues("Retry-After").Single());
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(11), $"answered in {elapsed.Elapsed}\n{gateway.Output}");
        Assert.Equal("review_pending", Witness.ErrorCode(await CallAsync(client, "record", arguments)));

        var (status, body, _) = await admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, token, approve).Within(TimeSpan.FromSeconds(60));
        Assert.True(status == 200, $"{status} {body}");
        Assert.Equal("approved", body!["state"]!.GetValue<string>());
        Assert.Null(Witness.ErrorCode(await CallAsync(client, "record", arguments)));
        Assert.Null(Witness.ErrorCode(await CallAsync(client, "record", arguments)));
        Assert.Single(Witness.Recorded(dir.File("calls.jsonl"), "record", "reviewed"));
        Assert.False(gateway.HasExited);
    }

    /// <summary>
    /// A Redis server that stops answering (frozen, its socket open): a write is answered <c>state_unavailable</c>,
    /// retryable, within the client's 5 s timeout and its once-a-second check (with room for a busy machine), nothing
    /// sent; once the server runs again the retry goes through, and the write is done once.
    /// </summary>
    [Fact]
    public async Task RedisFrozen_WriteAnsweredStateUnavailable_WithinTheTimeout_DoneOnceWhenItWakes()
    {
        using var dir = new TempDir();
        await using var redis = await RedisServer.StartAsync().Within(Timeouts.Startup);
        File.WriteAllText(dir.File("state-connection"), redis.ConnectionString);
        await AssertFrozenWriteAnsweredAsync(dir, "redis", rateLimited: true, redis.PauseAsync, redis.ResumeAsync, atLeast: TimeSpan.Zero);
    }

    /// <summary>
    /// A gateway on <paramref name="store"/> (its connection string in <c>state-connection</c>): a write while the store is
    /// frozen is answered <c>state_unavailable</c>, retryable, after at least <paramref name="atLeast"/> and within 12 s
    /// (the store's bound with room for a busy machine), nothing sent; once it runs again the retry writes once.
    /// </summary>
    private static async Task AssertFrozenWriteAnsweredAsync(TempDir dir, string store, bool rateLimited, Func<Task> freeze, Func<Task> thaw, TimeSpan atLeast)
    {
        var connector = TestConfig.FixtureConnector("fx", ["echo", "record"], dir.File("calls.jsonl"));
        if (rateLimited)
        {
            connector["rate_limit"] = new JsonObject { ["permits"] = 1000, ["window_seconds"] = 60 };
        }

        var config = TestConfig.Gateway(connector);
        TestConfig.OnSharedStore(config, store);
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data")).Within(Timeouts.Startup);
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx")).Within();
        Assert.Null(Witness.ErrorCode(await CallAsync(client, "record", new() { ["note"] = "before", ["idempotency_key"] = "k-before" })));

        var arguments = new Dictionary<string, string> { ["note"] = "while frozen", ["idempotency_key"] = "k-frozen" };
        await freeze().Within();
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        ModelContextProtocol.Protocol.CallToolResult frozen;
        try
        {
            frozen = await CallAsync(client, "record", arguments);
            elapsed.Stop();
        }
        finally
        {
            await thaw().Within();
        }

        Assert.Equal("state_unavailable", Witness.ErrorCode(frozen));
        Assert.True(Witness.Error(frozen)["retryable"]!.GetValue<bool>());
        Assert.True(elapsed.Elapsed >= atLeast && elapsed.Elapsed < TimeSpan.FromSeconds(12), $"answered in {elapsed.Elapsed}\n{gateway.Output}");
        Assert.Empty(Witness.Recorded(dir.File("calls.jsonl"), "record", "while frozen"));
        await Poll.UntilAsync(async _ => Witness.ErrorCode(await CallAsync(client, "record", arguments)) is null,
            Timeouts.Call, "the write to go through once the server runs again");
        Assert.Single(Witness.Recorded(dir.File("calls.jsonl"), "record", "while frozen"));
        Assert.False(gateway.HasExited);
    }

    /// <summary>
    /// Both calls answered <c>state_unavailable</c> (retryable, in 5 s), the write never sent, and the outage reported as
    /// the store's, never as a call that "failed unexpectedly".
    /// </summary>
    private static async Task AssertOutageAnsweredAsync(GatewayProcess gateway, TempDir dir, string store, string note, params ModelContextProtocol.Protocol.CallToolResult[] results)
    {
        foreach (var result in results)
        {
            Assert.Equal("state_unavailable", Witness.ErrorCode(result));
            Assert.True(Witness.Error(result)["retryable"]!.GetValue<bool>());
            Assert.Equal(5, Witness.Error(result)["retry_after_seconds"]!.GetValue<int>());
        }

        Assert.Empty(Witness.Recorded(dir.File("calls.jsonl"), "record", note));
        await gateway.WaitForOutputAsync($"The {store} store does not answer", Timeouts.Call);
        Assert.DoesNotContain("failed unexpectedly", gateway.Output, StringComparison.Ordinal);
    }

    private static async Task SetReadOnlyAsync(Npgsql.NpgsqlConnection connection, bool readOnly)
    {
        await using var alter = new Npgsql.NpgsqlCommand($"ALTER SYSTEM SET default_transaction_read_only = {(readOnly ? "on" : "off")}", connection);
        await alter.ExecuteNonQueryAsync().Within();
        await using var reload = new Npgsql.NpgsqlCommand("SELECT pg_reload_conf()", connection);
        await reload.ExecuteNonQueryAsync().Within();
    }

    private static Task<ModelContextProtocol.Protocol.CallToolResult> CallAsync(McpClient client, string tool, Dictionary<string, string> arguments) =>
        client.CallToolAsync(tool, arguments.ToDictionary(p => p.Key, p => (object?)JsonSerializer.SerializeToElement(p.Value)), cancellationToken: Timeouts.CallToken)
            .AsTask();
}
