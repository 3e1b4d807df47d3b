using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using Portcullis.Testing.Servers;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Idempotency;

/// <summary>
/// A Redis record damaged by hand or by another program (its fingerprint gone, a time that is not a number) under a
/// running gateway: before, one such record made <c>GET /admin/api/idempotency</c> answer 500 <c>internal</c> for every
/// operator, hiding every other key waiting to be settled, and its own <c>GET</c> and <c>resolve</c> 500 too. Now it is
/// listed and shown with what could be read (the rest null, named in <c>unreadable</c> with its Redis key), and its
/// settlement answers 409 <c>conflict</c> saying it cannot be settled here, changing nothing.
/// </summary>
public sealed class RedisUnreadableRecordAdminTests
{
    [Theory]
    [InlineData("fp")]
    [InlineData("created")]
    public async Task AdminApi_RecordTheStoreCannotRead_IsListedAndShown_AndItsSettlementRefused(string damage)
    {
        using var dir = new TempDir();
        await using var identity = await TestIdentityProvider.StartAsync().Within(Timeouts.Startup);
        await using var redis = await RedisServer.StartAsync().Within(Timeouts.Startup);
        File.WriteAllText(dir.File("state-connection"), redis.ConnectionString);
        var connector = TestConfig.FixtureConnector("fx", ["echo", "record"], dir.File("calls.jsonl"));
        var config = TestConfig.Gateway(connector);
        config["identity"] = new JsonObject { ["issuer"] = identity.Issuer, ["jwks_uri"] = identity.JwksUri };
        TestConfig.OnSharedStore(config, "redis");
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"), extraArgs: AdminPlane.ServeArgs)
            .Within(Timeouts.Startup);
        var admin = await AdminPlane.OfAsync(gateway).Within(Timeouts.Startup);
        var token = identity.Mint(admin.BaseUrl + "/admin", "portcullis:admin", change: c => c["sub"] = "operator-1");
        await using (var client = await McpClients.ConnectAsync(gateway.Endpoint("fx")).Within())
        {
            foreach (var key in new[] { "k-damaged", "k-sound" })
            {
                Assert.Null(Witness.ErrorCode(await client.CallToolAsync("record",
                    new Dictionary<string, object?> { ["note"] = key, ["idempotency_key"] = key }, cancellationToken: Timeouts.CallToken)));
            }
        }

        var (status, body, _) = await admin.SendAsync(HttpMethod.Get, "/admin/api/idempotency?key=k-damaged", token).Within();
        Assert.Equal(200, status);
        var first = Assert.Single(body!["records"]!.AsArray())!;
        var id = first["id"]!.GetValue<string>();
        var correlationId = first["correlation_id"]!.GetValue<string>();

        var options = StackExchange.Redis.ConfigurationOptions.Parse(redis.ConnectionString.Replace("unix:" + redis.SocketPath + ",", "", StringComparison.Ordinal));
        options.EndPoints.Add(new System.Net.Sockets.UnixDomainSocketEndPoint(redis.SocketPath));
        await using var operatorConnection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(options).Within();
        var db = operatorConnection.GetDatabase();
        var storeKey = operatorConnection.GetServers().Single().Keys(pattern: "*:idem:*").Select(k => (string)k!)
            .Single(k => (string?)db.HashGet(k, "key") == "k-damaged");
        if (damage == "fp")
        {
            Assert.True(await db.HashDeleteAsync(storeKey, "fp").Within());
        }
        else
        {
            await db.HashSetAsync(storeKey, "created", "garbage").Within();
        }

        var before = (await db.HashGetAllAsync(storeKey).Within()).OrderBy(e => (string)e.Name!).Select(e => $"{e.Name}={e.Value}").ToList();
        var unreadable = damage == "fp" ? "arguments_sha256" : "created_at";

        (status, body, _) = await admin.SendAsync(HttpMethod.Get, "/admin/api/idempotency", token).Within();
        Assert.True(status == 200, body?.ToJsonString());
        var records = body!["records"]!.AsArray();
        Assert.Equal(["k-damaged", "k-sound"], records.Select(r => r!["key"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        var listed = records.Single(r => r!["key"]!.GetValue<string>() == "k-damaged")!;
        AssertShownUnreadable(listed, id, correlationId, storeKey, unreadable);
        Assert.Null(records.Single(r => r!["key"]!.GetValue<string>() == "k-sound")!["unreadable"]);

        (status, body, _) = await admin.SendAsync(HttpMethod.Get, "/admin/api/idempotency?state=outcome_unknown", token).Within();
        Assert.True(status == 200, body?.ToJsonString());
        Assert.Equal("k-damaged", Assert.Single(body!["records"]!.AsArray())!["key"]!.GetValue<string>());

        (status, body, _) = await admin.SendAsync(HttpMethod.Get, "/admin/api/idempotency/" + id, token).Within();
        Assert.True(status == 200, body?.ToJsonString());
        AssertShownUnreadable(body!, id, correlationId, storeKey, unreadable);

        (status, body, _) = await admin.SendAsync(HttpMethod.Post, $"/admin/api/idempotency/{id}/resolve", token,
            new JsonObject { ["executed"] = false, ["correlation_id"] = correlationId }).Within();
        Assert.True(status == 409, body?.ToJsonString());
        Assert.Equal("conflict", body!["error"]!["code"]!.GetValue<string>());
        var message = body["error"]!["message"]!.GetValue<string>();
        Assert.Contains("cannot be settled here", message, StringComparison.Ordinal);
        Assert.Contains(storeKey, message, StringComparison.Ordinal);
        Assert.Equal(before, (await db.HashGetAllAsync(storeKey).Within()).OrderBy(e => (string)e.Name!).Select(e => $"{e.Name}={e.Value}"));
        Assert.DoesNotContain("failed unexpectedly", gateway.Output, StringComparison.Ordinal);
    }

    private static void AssertShownUnreadable(JsonNode record, string id, string correlationId, string storeKey, string field)
    {
        Assert.Equal("outcome_unknown", record["state"]!.GetValue<string>());
        Assert.Equal(id, record["id"]!.GetValue<string>());
        Assert.Equal("fx", record["connector"]!.GetValue<string>());
        Assert.Equal("record", record["tool"]!.GetValue<string>());
        Assert.Equal(correlationId, record["correlation_id"]!.GetValue<string>());
        Assert.Null(record[field]);
        Assert.Equal(field == "arguments_sha256", record["created_at"] is not null);
        Assert.Equal(field == "created_at", record["arguments_sha256"] is not null);
        Assert.Equal([field], record["unreadable"]!["fields"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal(storeKey, record["unreadable"]!["store_key"]!.GetValue<string>());
    }
}
