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
        TestConfig.OnSharedStore(config, "redis");
        await using var operated = await OperatedGateway.StartAsync(dir, config, identity, "portcullis:admin").Within(Timeouts.Startup);
        var (gateway, admin, token) = operated;
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

        await using var operatorConnection = await RedisOperator.ConnectAsync(redis);
        var db = operatorConnection.GetDatabase();
        var storeKey = RedisOperator.RecordKey(operatorConnection, "k-damaged");
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

    /// <summary>
    /// A held call (awaiting review) whose record lost its review's mode under a running gateway: before, the admin API
    /// listed it <c>awaiting_review</c> with nothing unreadable, as a call a reviewer could decide, while the agent's retry
    /// was answered <c>idempotency_outcome_unknown</c>; and the reviewers' list answered 500 <c>internal</c> for every
    /// reviewer. It is now listed <c>outcome_unknown</c> with <c>review</c> named unreadable, as its retry is answered,
    /// and the reviewers' list goes on without it.
    /// </summary>
    [Fact]
    public async Task AdminApi_HeldRecordWhoseReviewCannotBeRead_IsListedAsItsRetryIsAnswered()
    {
        using var dir = new TempDir();
        await using var identity = await TestIdentityProvider.StartAsync().Within(Timeouts.Startup);
        await using var redis = await RedisServer.StartAsync().Within(Timeouts.Startup);
        await using var operated = await StartWithReviewedRecordAsync(dir, identity, redis);
        var (gateway, admin, token) = operated;
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx")).Within();
        var args = new Dictionary<string, object?> { ["note"] = "wire the funds", ["idempotency_key"] = "k-held" };
        Assert.Equal("review_pending", Witness.ErrorCode(await client.CallToolAsync("record", args, cancellationToken: Timeouts.CallToken)));
        await using var operatorConnection = await RedisOperator.ConnectAsync(redis);
        var storeKey = RedisOperator.RecordKey(operatorConnection, "k-held");
        Assert.True(await operatorConnection.GetDatabase().HashDeleteAsync(storeKey, "rv_mode").Within());

        var (status, body, _) = await admin.SendAsync(HttpMethod.Get, "/admin/api/idempotency?key=k-held", token).Within();
        var (reviewsStatus, reviews, _) = await admin.SendAsync(HttpMethod.Get, "/admin/api/reviews", token).Within();
        var retried = Witness.ErrorCode(await client.CallToolAsync("record", args, cancellationToken: Timeouts.CallToken));

        Assert.True(status == 200, body?.ToJsonString());
        var listed = Assert.Single(body!["records"]!.AsArray())!;
        Assert.Equal("idempotency_outcome_unknown", retried);
        Assert.Equal("outcome_unknown", listed["state"]!.GetValue<string>());
        Assert.Equal(["review"], listed["unreadable"]?["fields"]?.AsArray().Select(f => f!.GetValue<string>()) ?? []);
        Assert.Equal(storeKey, listed["unreadable"]!["store_key"]!.GetValue<string>());
        Assert.True(reviewsStatus == 200, reviews?.ToJsonString());
        Assert.Empty(reviews!["reviews"]!.AsArray());
        (status, body, _) = await admin.SendAsync(HttpMethod.Get, "/admin/api/idempotency?state=awaiting_review", token).Within();
        Assert.Empty(body!["records"]!.AsArray());
        Assert.Empty(Witness.Recorded(dir.File("calls.jsonl"), "record", "wire the funds"));
    }

    /// <summary>
    /// A held call whose review id's key, or whose record, another program wrote over with another type (a list where
    /// the store keeps a string or a hash), under a running gateway: before, a reviewer's approval (and the read of the
    /// review, and the reviewers' list) answered 500 <c>internal</c>, logged as a failure of the admin API. It is now a
    /// review the store cannot find, answered as SQLite and PostgreSQL answer one they cannot read: 404 <c>not_found</c>,
    /// nothing decided, nothing sent, and the reviewers' list goes on without it.
    /// </summary>
    [Theory]
    [InlineData("review id")]
    [InlineData("record")]
    public async Task AdminApi_DecidingAReviewWhoseKeyIsOfAnotherType_AnswersNotFound(string which)
    {
        using var dir = new TempDir();
        await using var identity = await TestIdentityProvider.StartAsync().Within(Timeouts.Startup);
        await using var redis = await RedisServer.StartAsync().Within(Timeouts.Startup);
        await using var operated = await StartWithReviewedRecordAsync(dir, identity, redis);
        var (gateway, admin, token) = operated;
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx")).Within();
        var args = new Dictionary<string, object?> { ["note"] = "wire the funds", ["idempotency_key"] = "k-held" };
        Assert.Equal("review_pending", Witness.ErrorCode(await client.CallToolAsync("record", args, cancellationToken: Timeouts.CallToken)));
        var (status, body, _) = await admin.SendAsync(HttpMethod.Get, "/admin/api/reviews", token).Within();
        var id = Assert.Single(body!["reviews"]!.AsArray())!["id"]!.GetValue<string>();
        await using var operatorConnection = await RedisOperator.ConnectAsync(redis);
        var db = operatorConnection.GetDatabase();
        var storeKey = which == "record"
            ? RedisOperator.RecordKey(operatorConnection, "k-held")
            : operatorConnection.GetServers().Single().Keys(pattern: "*:review:*").Select(k => (string)k!).Single();
        Assert.True(await db.KeyDeleteAsync(storeKey).Within());
        await db.ListRightPushAsync(storeKey, "not a review").Within();

        (status, body, _) = await admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, token, new JsonObject { ["decision"] = "approve" }).Within();
        var (readStatus, read, _) = await admin.SendAsync(HttpMethod.Get, "/admin/api/reviews/" + id, token).Within();
        var (listStatus, list, _) = await admin.SendAsync(HttpMethod.Get, "/admin/api/reviews", token).Within();

        Assert.True(status == 404, body?.ToJsonString());
        Assert.Equal("not_found", body!["error"]!["code"]!.GetValue<string>());
        Assert.True(readStatus == 404, read?.ToJsonString());
        Assert.True(listStatus == 200, list?.ToJsonString());
        Assert.Empty(list!["reviews"]!.AsArray());
        Assert.Equal(["not a review"], (await db.ListRangeAsync(storeKey).Within()).Select(v => (string?)v));
        Assert.Empty(Witness.Recorded(dir.File("calls.jsonl"), "record", "wire the funds"));
        Assert.DoesNotContain("answered 500 internal", gateway.Output, StringComparison.Ordinal);
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

    /// <summary>A gateway on <paramref name="redis"/> whose fixture's <c>record</c> waits for a reviewer, with its admin plane.</summary>
    private static async Task<OperatedGateway> StartWithReviewedRecordAsync(TempDir dir, TestIdentityProvider identity, RedisServer redis)
    {
        File.WriteAllText(dir.File("state-connection"), redis.ConnectionString);
        var connector = TestConfig.FixtureConnector("fx", ["record"], dir.File("calls.jsonl"), new JsonObject
        {
            ["record"] = new JsonObject { ["review"] = new JsonObject { ["required"] = true, ["mode"] = "reviewer" } },
        });
        var config = TestConfig.Gateway(connector);
        TestConfig.OnSharedStore(config, "redis");
        return await OperatedGateway.StartAsync(dir, config, identity, "portcullis:admin portcullis:review").Within(Timeouts.Startup);
    }
}
