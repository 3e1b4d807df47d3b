using System.Net;
using System.Text.Json.Nodes;
using Portcullis.Testing.Servers;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Gateway;

/// <summary>
/// <c>limits.max_sessions_per_principal</c> counts the sessions a replica runs, whichever replica opened them: a session
/// continued from another replica takes a slot, and one that would pass the limit is not continued (404, the answer
/// for a session the replica does not know), without keeping the slot it was refused.
/// </summary>
public sealed class SessionLimitReplicaTests
{
    private const string ToolsList = """{"jsonrpc":"2.0","id":"list-1","method":"tools/list","params":{}}""";

    [Fact]
    public async Task SessionFromAnotherReplica_PastTheLimit_IsNotContinued_AndOnceContinuedCounts()
    {
        using var dir = new TempDir();
        await using var redis = await RedisServer.StartAsync().Within(Timeouts.Startup);
        await using var first = await StartReplicaAsync(dir, redis, "a").Within(Timeouts.Startup);
        await using var second = await StartReplicaAsync(dir, redis, "b").Within(Timeouts.Startup);
        using var http = new HttpClient { Timeout = Timeouts.Call };
        var moving = await McpPost.OpenSessionAsync(http, first.Endpoint("fx"), "moving").Within();
        var staying = await McpPost.OpenSessionAsync(http, second.Endpoint("fx"), "staying").Within();

        // The one principal (every anonymous caller) already holds its one session on the second replica.
        using (var refused = await http.SendAsync(McpPost.Create(second.Endpoint("fx"), ToolsList, moving)).Within())
        {
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        }

        await second.WaitForOutputAsync("continued from another replica on /mcp/fx for principal anonymous", Timeouts.Call);

        using (var end = new HttpRequestMessage(HttpMethod.Delete, second.Endpoint("fx")))
        {
            end.Headers.Add("Mcp-Session-Id", staying);
            end.Headers.Add("MCP-Protocol-Version", "2025-11-25");
            using var ended = await http.SendAsync(end).Within();
            Assert.True(ended.IsSuccessStatusCode);
        }

        // The refused continuation kept no slot: the session continues now, and takes the slot.
        using (var continued = await http.SendAsync(McpPost.Create(second.Endpoint("fx"), ToolsList, moving)).Within())
        {
            Assert.Equal(HttpStatusCode.OK, continued.StatusCode);
            Assert.Contains("\"echo\"", await continued.Content.ReadAsStringAsync().Within(), StringComparison.Ordinal);
        }

        using var opened = await http.SendAsync(McpPost.Create(second.Endpoint("fx"),
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"more","version":"1"}}}""")).Within();
        Assert.Equal(HttpStatusCode.TooManyRequests, opened.StatusCode);
        Assert.Equal("rate_limited", JsonNode.Parse(await opened.Content.ReadAsStringAsync().Within())!["error"]!["data"]!["error"]!["code"]!.GetValue<string>());
    }

    /// <summary>
    /// A session its client ended through another replica no longer counts where it was opened, though the SDK holds it
    /// there (answering 404) until its idle timeout: the principal may open the next one at once.
    /// </summary>
    [Fact]
    public async Task SessionEndedThroughAnotherReplica_FreesItsSlotWhereItWasOpened()
    {
        using var dir = new TempDir();
        await using var redis = await RedisServer.StartAsync().Within(Timeouts.Startup);
        await using var first = await StartReplicaAsync(dir, redis, "a").Within(Timeouts.Startup);
        await using var second = await StartReplicaAsync(dir, redis, "b").Within(Timeouts.Startup);
        using var http = new HttpClient { Timeout = Timeouts.Call };
        var session = await McpPost.OpenSessionAsync(http, first.Endpoint("fx"), "ended-elsewhere").Within();

        using (var end = new HttpRequestMessage(HttpMethod.Delete, second.Endpoint("fx")))
        {
            end.Headers.Add("Mcp-Session-Id", session);
            end.Headers.Add("MCP-Protocol-Version", "2025-11-25");
            using var ended = await http.SendAsync(end).Within();
            Assert.True(ended.IsSuccessStatusCode);
        }

        await first.WaitForOutputAsync("ended by its client on another replica", Timeouts.Call);
        var next = await McpPost.OpenSessionAsync(http, first.Endpoint("fx"), "next").Within();
        Assert.NotEqual(session, next);
    }

    private static Task<GatewayProcess> StartReplicaAsync(TempDir dir, RedisServer redis, string name) =>
        RedisReplica.StartAsync(dir, redis, name, config => config["limits"] = new JsonObject { ["max_sessions_per_principal"] = 1 });
}
