using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using Portcullis.Testing.Servers;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Gateway;

/// <summary>
/// The admin plane on a PostgreSQL server that stops answering (every process frozen, its sockets open, as on a hung
/// host): each admin API request that needs the store is answered 503 <c>state_unavailable</c> within the store's bound,
/// the others as usual, and once the server runs again every one is answered as before. Before, the listing of keys and
/// the audit search waited out their 300 s statement timeout (the console's audit and key pages hung with them).
/// </summary>
public sealed class PostgresFrozenAdminTests
{
    [Fact]
    public async Task PostgresFrozen_AdminApi_Answers503StateUnavailableWithinTheBound_AnsweredAsBeforeWhenItWakes()
    {
        using var dir = new TempDir();
        await using var identity = await TestIdentityProvider.StartAsync().Within(Timeouts.Startup);
        await using var postgres = await PostgresServer.StartAsync().Within(Timeouts.Startup);
        File.WriteAllText(dir.File("state-connection"), await postgres.CreateSchemaAsync().Within());
        var connector = TestConfig.FixtureConnector("fx", ["echo", "record"], dir.File("calls.jsonl"), new JsonObject
        {
            ["record"] = new JsonObject { ["review"] = new JsonObject { ["required"] = true, ["mode"] = "reviewer" } },
        });
        var config = TestConfig.OnSharedStore(TestConfig.Gateway(connector), "postgres");
        // The audit trail in the store, so the audit search asks the frozen server.
        config["audit"] = new JsonObject { ["sink"] = "store" };
        await using var operated = await OperatedGateway.StartAsync(dir, config, identity, "portcullis:admin portcullis:review").Within(Timeouts.Startup);
        var (gateway, admin, token) = operated;
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx")).Within();
        var held = await CallAsync(client, "record", new() { ["note"] = "held", ["idempotency_key"] = "k-held" });
        Assert.Equal("review_pending", Witness.ErrorCode(held));
        var correlationId = Witness.Error(held)["correlation_id"]!.GetValue<string>();
        var reviewId = Witness.Error(held)["details"]!.AsArray().Single(d => d!["keyword"]!.GetValue<string>() == "review_id")!["message"]!.GetValue<string>();
        var keyId = (await admin.GetJsonAsync("/admin/api/idempotency", token).Within())["records"]!.AsArray().Single()!["id"]!.GetValue<string>();
        await admin.WaitForEventAsync(token, "correlation_id=" + correlationId).Within();

        // Each request with what it answers while the server runs: the same before the freeze and after it.
        (string Name, Func<Task<(int Status, JsonNode? Body, HttpResponseMessage Response)>> Send, int Status, Func<JsonNode, bool> Shows)[] requests =
        [
            ("key listing", () => admin.SendAsync(HttpMethod.Get, "/admin/api/idempotency?state=awaiting_review", token), 200,
                b => b["records"]!.AsArray().Any(r => r!["key"]!.GetValue<string>() == "k-held")),
            ("key", () => admin.SendAsync(HttpMethod.Get, "/admin/api/idempotency/" + Uri.EscapeDataString(keyId), token), 200,
                b => b["state"]!.GetValue<string>() == "awaiting_review"),
            ("key settlement", () => admin.SendAsync(HttpMethod.Post, "/admin/api/idempotency/" + Uri.EscapeDataString(keyId) + "/resolve", token,
                new JsonObject { ["executed"] = false }), 409, b => b["error"]!["code"]!.GetValue<string>() == "conflict"),
            ("audit search", () => admin.SendAsync(HttpMethod.Get, "/admin/api/audit?correlation_id=" + correlationId, token), 200,
                b => b["events"]!.AsArray().Count > 0),
            ("review listing", () => admin.SendAsync(HttpMethod.Get, "/admin/api/reviews", token), 200,
                b => b["reviews"]!.AsArray().Any(r => r!["id"]!.GetValue<string>() == reviewId)),
            ("review", () => admin.SendAsync(HttpMethod.Get, "/admin/api/reviews/" + reviewId, token), 200,
                b => b["state"]!.GetValue<string>() == "pending"),
        ];
        foreach (var (name, send, status, shows) in requests)
        {
            var (answered, body, _) = await send().Within();
            Assert.True(answered == status && shows(body!), $"{name} before the freeze: {answered} {body}");
        }

        // Open connections in the pool for every request and its check, so each meets the frozen server on one.
        await PostgresPool.WarmAsync(File.ReadAllText(dir.File("state-connection")), () => admin.SendAsync(HttpMethod.Get, "/admin/api/reviews/" + reviewId, token), 16);

        await postgres.PauseAsync().Within();
        (string Name, int Status, JsonNode? Body, HttpResponseMessage Response, TimeSpan Elapsed)[] frozen;
        (int Status, JsonNode? Body, HttpResponseMessage Response) connectors;
        try
        {
            frozen = await Task.WhenAll(requests.Select(async r =>
            {
                var elapsed = Stopwatch.StartNew();
                var (status, body, response) = await r.Send();
                return (r.Name, status, body, response, elapsed.Elapsed);
            })).Within(TimeSpan.FromSeconds(60));
            // What needs no store is answered as usual meanwhile.
            connectors = await admin.SendAsync(HttpMethod.Get, "/admin/api/connectors", token).Within(TimeSpan.FromSeconds(10));
        }
        finally
        {
            await postgres.ResumeAsync().Within();
        }

        var times = string.Join(", ", frozen.Select(f => $"{f.Name} {f.Status} in {f.Elapsed.TotalSeconds:0.0} s"));
        foreach (var (name, status, body, response, elapsed) in frozen)
        {
            Assert.True(status == 503, $"{name} while frozen: {status} {body}");
            var error = body!["error"]!;
            Assert.Equal("state_unavailable", error["code"]!.GetValue<string>());
            Assert.True(error["retryable"]!.GetValue<bool>());
            Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
            Assert.True(elapsed < TimeSpan.FromSeconds(11), $"{name} answered in {elapsed} ({times})\n{gateway.Output}");
        }

        Assert.Equal(200, connectors.Status);
        foreach (var (name, send, status, shows) in requests)
        {
            await Poll.UntilAsync(async _ =>
            {
                var (answered, body, _) = await send();
                return answered == status && shows(body!);
            }, Timeouts.Call, $"{name} answered as before once the server runs");
        }

        Assert.Null(Witness.ErrorCode(await CallAsync(client, "echo", new() { ["text"] = "after" })));
        Assert.DoesNotContain("failed unexpectedly", gateway.Output, StringComparison.Ordinal);
        Assert.False(gateway.HasExited);
    }

    private static Task<ModelContextProtocol.Protocol.CallToolResult> CallAsync(McpClient client, string tool, Dictionary<string, string> arguments) =>
        client.CallToolAsync(tool, arguments.ToDictionary(p => p.Key, p => (object?)JsonSerializer.SerializeToElement(p.Value)), cancellationToken: Timeouts.CallToken)
            .AsTask();
}
