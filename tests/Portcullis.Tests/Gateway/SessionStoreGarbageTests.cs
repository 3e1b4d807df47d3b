using System.Net;
using System.Net.Sockets;
using Portcullis.Testing.Servers;
using Portcullis.Tests.Infrastructure;
using StackExchange.Redis;

namespace Portcullis.Tests.Gateway;

/// <summary>
/// A session key on the shared Redis that holds something the gateway cannot read (a hand edit, another program):
/// it is no session, and it must not stop the replica that holds other sessions from checking them against the store.
/// </summary>
public sealed class SessionStoreGarbageTests
{
    private const string ToolsList = """{"jsonrpc":"2.0","id":"list-1","method":"tools/list","params":{}}""";

    [Fact]
    public async Task SessionKeyUnreadable_OtherSessionEndedElsewhere_IsStillEndedOnItsReplica()
    {
        using var dir = new TempDir();
        await using var redis = await RedisServer.StartAsync().Within(Timeouts.Startup);
        await using var first = await RedisReplica.StartAsync(dir, redis, "a").Within(Timeouts.Startup);
        await using var second = await RedisReplica.StartAsync(dir, redis, "b").Within(Timeouts.Startup);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var ended = await McpPost.OpenSessionAsync(http, first.Endpoint("fx"), "ended-elsewhere").Within();
        var spoiled = await McpPost.OpenSessionAsync(http, first.Endpoint("fx"), "spoiled").Within();

        var options = ConfigurationOptions.Parse("abortConnect=false");
        options.EndPoints.Add(new UnixDomainSocketEndPoint(redis.SocketPath));
        await using var connection = await ConnectionMultiplexer.ConnectAsync(options).Within();
        var db = connection.GetDatabase();
        var server = connection.GetServers().Single();
        RedisKey? spoiledKey = null;
        foreach (var key in await server.KeysAsync(pattern: "portcullis:session:*").ToArrayAsync().AsTask().Within())
        {
            if (((string?)await db.StringGetAsync(key).Within())?.Contains(spoiled, StringComparison.Ordinal) == true)
            {
                spoiledKey = key;
            }
        }

        Assert.NotNull(spoiledKey);
        await db.StringSetAsync(spoiledKey.Value, "{not json").Within();

        // Ended by its client on the other replica: the replica that holds it learns so at its next sweep.
        using (var delete = new HttpRequestMessage(HttpMethod.Delete, second.Endpoint("fx")))
        {
            delete.Headers.Add("Mcp-Session-Id", ended);
            delete.Headers.Add("MCP-Protocol-Version", "2025-11-25");
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(delete).Within()).StatusCode);
        }

        await Poll.UntilAsync(
            async ct =>
            {
                using var response = await http.SendAsync(McpPost.Create(first.Endpoint("fx"), ToolsList, ended), ct);
                return response.StatusCode == HttpStatusCode.NotFound;
            },
            TimeSpan.FromSeconds(30), "the session ended on the other replica, ended on its own");

        // The unreadable one is no session anywhere else: its client is told to start over.
        using var elsewhere = await http.SendAsync(McpPost.Create(second.Endpoint("fx"), ToolsList, spoiled)).Within();
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
    }
}
