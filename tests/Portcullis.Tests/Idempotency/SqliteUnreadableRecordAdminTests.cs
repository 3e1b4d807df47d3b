using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using ModelContextProtocol.Client;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Idempotency;

/// <summary>SQLite rows damaged by hand or by another program under a running gateway, as its admin API lists them.</summary>
public sealed class SqliteUnreadableRecordAdminTests
{
    /// <summary>
    /// A creation time that is not a number, on a row listed page by page as the console and scripts list keys: before,
    /// when that row ended a page, the next page's cursor was the time it showed (the placeholder 1970) rather than the
    /// one stored, the next page began after 1970, and every key after it was skipped without a word. Every key is now
    /// listed once, at every page size.
    /// </summary>
    [Fact]
    public async Task AdminApi_PagedList_DamagedRowEndingAPage_ListsEveryKeyOnce()
    {
        using var dir = new TempDir();
        string[] keys = ["k-0", "k-1", "k-2", "k-3"];
        await using var gateway = await StartWithKeysAsync(dir, keys);
        var admin = await AdminPlane.OfAsync(gateway).Within(Timeouts.Startup);
        var token = await admin.TokenAsync().Within(Timeouts.Startup);
        await DamageAsync(gateway, "UPDATE idempotency SET created_at = 'garbage' WHERE key = 'k-2'");

        for (var limit = 1; limit <= keys.Length; limit++)
        {
            var seen = new List<JsonNode>();
            string? next = null;
            var pages = 0;
            do
            {
                var (status, body, _) = await admin.SendAsync(HttpMethod.Get,
                    $"/admin/api/idempotency?limit={limit}" + (next is null ? "" : "&cursor=" + Uri.EscapeDataString(next)), token).Within();
                Assert.True(status == 200, body?.ToJsonString());
                seen.AddRange(body!["records"]!.AsArray().Select(r => r!));
                next = body["next"]?.GetValue<string>();
                pages++;
            }
            while (next is not null && pages < 10);

            var listed = seen.Select(r => r["key"]!.GetValue<string>()).ToList();
            Assert.True(keys.SequenceEqual(listed.Order(StringComparer.Ordinal)), $"limit {limit}: listed {string.Join(", ", listed)}");
            var damaged = seen.Single(r => r["key"]!.GetValue<string>() == "k-2");
            Assert.Equal(["created_at"], damaged["unreadable"]!["fields"]!.AsArray().Select(f => f!.GetValue<string>()));
            Assert.Equal("outcome_unknown", damaged["state"]!.GetValue<string>());
        }
    }

    /// <summary>
    /// A completed row that lost its result: before, the admin API listed it <c>completed</c>, nothing named unreadable,
    /// and under <c>?state=completed</c>, while the agent's retry was answered <c>idempotency_outcome_unknown</c>. It is
    /// now listed as the retry is answered, with its result named.
    /// </summary>
    [Fact]
    public async Task AdminApi_CompletedRowThatLostItsResult_IsListedAsItsRetryIsAnswered()
    {
        using var dir = new TempDir();
        await using var gateway = await StartWithKeysAsync(dir, "k-lost");
        var admin = await AdminPlane.OfAsync(gateway).Within(Timeouts.Startup);
        var token = await admin.TokenAsync().Within(Timeouts.Startup);
        await DamageAsync(gateway, "UPDATE idempotency SET result = NULL WHERE key = 'k-lost'");

        var (status, body, _) = await admin.SendAsync(HttpMethod.Get, "/admin/api/idempotency?key=k-lost", token).Within();
        var (_, completed, _) = await admin.SendAsync(HttpMethod.Get, "/admin/api/idempotency?state=completed", token).Within();
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx")).Within();
        var retried = Witness.ErrorCode(await client.CallToolAsync("record",
            new Dictionary<string, object?> { ["note"] = "k-lost", ["idempotency_key"] = "k-lost" }, cancellationToken: Timeouts.CallToken));

        Assert.True(status == 200, body?.ToJsonString());
        var listed = Assert.Single(body!["records"]!.AsArray())!;
        Assert.Equal("idempotency_outcome_unknown", retried);
        Assert.Equal("outcome_unknown", listed["state"]!.GetValue<string>());
        Assert.Equal(["result"], listed["unreadable"]?["fields"]?.AsArray().Select(f => f!.GetValue<string>()) ?? []);
        Assert.Empty(completed!["records"]!.AsArray());
    }

    /// <summary>
    /// A held call (awaiting review) whose row lost its review's mode under a running gateway: before, the agent's retry
    /// threw in the store ("The data is NULL at ordinal 7") and was answered 500 <c>internal</c>, retryable, while the
    /// admin API listed it <c>awaiting_review</c> with nothing unreadable and the reviewers' list answered 500 for every
    /// reviewer. The retry is now answered <c>idempotency_outcome_unknown</c>, as on every store, the key is listed so
    /// with <c>review</c> named unreadable, and the reviewers' list goes on without it.
    /// </summary>
    [Fact]
    public async Task AdminApi_HeldRowWhoseReviewCannotBeRead_IsListedAsItsRetryIsAnswered()
    {
        using var dir = new TempDir();
        await using var identity = await TestIdentityProvider.StartAsync().Within(Timeouts.Startup);
        var connector = TestConfig.FixtureConnector("fx", ["record"], dir.File("calls.jsonl"), new JsonObject
        {
            ["record"] = new JsonObject { ["review"] = new JsonObject { ["required"] = true, ["mode"] = "reviewer" } },
        });
        var config = TestConfig.Gateway(connector);
        await using var operated = await OperatedGateway.StartAsync(dir, config, identity, "portcullis:admin portcullis:review").Within(Timeouts.Startup);
        var (gateway, admin, token) = operated;
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx")).Within();
        var args = new Dictionary<string, object?> { ["note"] = "wire the funds", ["idempotency_key"] = "k-held" };
        Assert.Equal("review_pending", Witness.ErrorCode(await client.CallToolAsync("record", args, cancellationToken: Timeouts.CallToken)));
        Assert.Equal("review_pending", Witness.ErrorCode(await client.CallToolAsync("record",
            new Dictionary<string, object?> { ["note"] = "sound", ["idempotency_key"] = "k-sound" }, cancellationToken: Timeouts.CallToken)));
        await DamageAsync(gateway, "UPDATE idempotency SET review_mode = NULL WHERE key = 'k-held'");

        var (status, body, _) = await admin.SendAsync(HttpMethod.Get, "/admin/api/idempotency?key=k-held", token).Within();
        var (reviewsStatus, reviews, _) = await admin.SendAsync(HttpMethod.Get, "/admin/api/reviews", token).Within();
        var retried = Witness.ErrorCode(await client.CallToolAsync("record", args, cancellationToken: Timeouts.CallToken));

        Assert.Equal("idempotency_outcome_unknown", retried);
        Assert.True(status == 200, body?.ToJsonString());
        var listed = Assert.Single(body!["records"]!.AsArray())!;
        Assert.Equal("outcome_unknown", listed["state"]!.GetValue<string>());
        Assert.Equal(["review"], listed["unreadable"]?["fields"]?.AsArray().Select(f => f!.GetValue<string>()) ?? []);
        Assert.True(reviewsStatus == 200, reviews?.ToJsonString());
        Assert.Equal("k-sound", Assert.Single(reviews!["reviews"]!.AsArray())!["key"]?.GetValue<string>());
        (status, body, _) = await admin.SendAsync(HttpMethod.Get, "/admin/api/idempotency?state=awaiting_review", token).Within();
        Assert.Equal(["k-sound"], body!["records"]!.AsArray().Select(r => r!["key"]!.GetValue<string>()));
        Assert.Empty(Witness.Recorded(dir.File("calls.jsonl"), "record", "wire the funds"));
        Assert.DoesNotContain("failed unexpectedly", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>A gateway on SQLite (the default store) whose <c>record</c> tool has completed a call under each of <paramref name="keys"/>.</summary>
    private static async Task<GatewayProcess> StartWithKeysAsync(TempDir dir, params string[] keys)
    {
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["record"], dir.File("calls.jsonl")));
        config["identity"] = new JsonObject { ["dev"] = true };
        config["admin"] = new JsonObject { ["listen"] = "http://127.0.0.1:0" };
        var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data")).Within(Timeouts.Startup);
        try
        {
            await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fx")).Within();
            foreach (var key in keys)
            {
                Assert.Null(Witness.ErrorCode(await client.CallToolAsync("record",
                    new Dictionary<string, object?> { ["note"] = key, ["idempotency_key"] = key }, cancellationToken: Timeouts.CallToken)));
            }

            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    /// <summary>Changes the gateway's idempotency rows with SQLite's own tools, as an operator's sqlite3 shell would.</summary>
    private static async Task DamageAsync(GatewayProcess gateway, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(gateway.DataDir, "idempotency.db")};Pooling=False");
        await connection.OpenAsync(Timeouts.CallToken);
        await using var damage = connection.CreateCommand();
        damage.CommandText = sql;
        Assert.Equal(1, await damage.ExecuteNonQueryAsync(Timeouts.CallToken));
    }
}
