using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using ModelContextProtocol.Client;
using Portcullis.Testing.Servers;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Idempotency;

/// <summary>
/// A SQLite row damaged by hand or by another program (a creation time that is not a number) under a running gateway,
/// listed page by page as the console and scripts list keys: before, when that row ended a page, the next page's cursor
/// was the time it showed (the placeholder 1970) rather than the one stored, the next page began after 1970, and every
/// key after it was skipped without a word. Every key is now listed once, at every page size.
/// </summary>
public sealed class SqliteUnreadableRecordAdminTests
{
    [Fact]
    public async Task AdminApi_PagedList_DamagedRowEndingAPage_ListsEveryKeyOnce()
    {
        using var dir = new TempDir();
        await using var identity = await TestIdentityProvider.StartAsync().Within(Timeouts.Startup);
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["record"], dir.File("calls.jsonl")));
        config["identity"] = new JsonObject { ["issuer"] = identity.Issuer, ["jwks_uri"] = identity.JwksUri };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"), extraArgs: AdminPlane.ServeArgs)
            .Within(Timeouts.Startup);
        var admin = await AdminPlane.OfAsync(gateway).Within(Timeouts.Startup);
        var token = identity.Mint(admin.BaseUrl + "/admin", "portcullis:admin", change: c => c["sub"] = "operator-1");
        string[] keys = ["k-0", "k-1", "k-2", "k-3"];
        await using (var client = await McpClients.ConnectAsync(gateway.Endpoint("fx")).Within())
        {
            foreach (var key in keys)
            {
                Assert.Null(Witness.ErrorCode(await client.CallToolAsync("record",
                    new Dictionary<string, object?> { ["note"] = key, ["idempotency_key"] = key }, cancellationToken: Timeouts.CallToken)));
            }
        }

        using (var connection = new SqliteConnection($"Data Source={Path.Combine(gateway.DataDir, "idempotency.db")};Pooling=False"))
        {
            await connection.OpenAsync(Timeouts.CallToken);
            using var damage = connection.CreateCommand();
            damage.CommandText = "UPDATE idempotency SET created_at = 'garbage' WHERE key = 'k-2'";
            Assert.Equal(1, await damage.ExecuteNonQueryAsync(Timeouts.CallToken));
        }

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
}
