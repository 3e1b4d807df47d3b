using System.Net;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using Portcullis.Testing.Servers;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Gateway;

/// <summary>
/// A 2025-11-25 session continued on another replica while the shared state store does not answer: the replica cannot
/// read the session's handshake, so it answers the retryable <c>state_unavailable</c> (never "session not found",
/// which would make the client start over, and never an empty 500), and the session continues once the store answers.
/// </summary>
public sealed class SessionStoreOutageTests
{
    private const string ToolsList = """{"jsonrpc":"2.0","id":"list-1","method":"tools/list","params":{}}""";

    [Fact]
    public async Task SessionOnAnotherReplica_StoreNotAnswering_IsStateUnavailable_AndContinuesWhenItAnswers()
    {
        using var dir = new TempDir();
        await using var redis = await RedisServer.StartAsync().Within(Timeouts.Startup);
        await using var first = await StartReplicaAsync(dir, redis, "a").Within(Timeouts.Startup);
        await using var second = await StartReplicaAsync(dir, redis, "b").Within(Timeouts.Startup);
        await using var opener = await McpClients.ConnectAsync(first.Endpoint("fx"), protocolVersion: "2025-11-25").Within();
        var session = opener.SessionId!;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        McpClient resumed;
        await redis.PauseAsync().Within();
        try
        {
            // A real client resuming the session on the second replica, and the raw requests of other kinds, at once
            // (each waits for the store's timeout).
            var resuming = ResumeAsync(second, opener);
            var listing = SendAsync(http, McpPost.Create(second.Endpoint("fx"), ToolsList, session));
            var notifying = SendAsync(http, McpPost.Create(second.Endpoint("fx"), """{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}""", session));
            var responding = SendAsync(http, McpPost.Create(second.Endpoint("fx"), """{"jsonrpc":"2.0","id":1,"result":{}}""", session));

            resumed = await resuming;
            var call = await resumed.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "during" }, cancellationToken: Timeouts.CallToken).AsTask();
            Assert.Equal("state_unavailable", Witness.ErrorCode(call));
            Assert.True(Witness.Error(call)["retryable"]!.GetValue<bool>());
            Assert.Equal(5, Witness.Error(call)["retry_after_seconds"]!.GetValue<int>());

            var (listStatus, listBody, listResponse) = await listing;
            Assert.Equal(HttpStatusCode.OK, listStatus);
            Assert.Equal("list-1", listBody!["id"]!.GetValue<string>());
            Assert.Equal(-32000, listBody["error"]!["code"]!.GetValue<int>());
            var error = listBody["error"]!["data"]!["error"]!;
            Assert.Equal("state_unavailable", error["code"]!.GetValue<string>());
            Assert.True(error["retryable"]!.GetValue<bool>());
            Assert.Equal("5", listResponse.Headers.GetValues("Retry-After").Single());
            Assert.Equal(error["correlation_id"]!.GetValue<string>(), listResponse.Headers.GetValues("Portcullis-Correlation-Id").Single());

            // What the client awaits no answer to (a notification, its own response to a question of the server) fails its send.
            foreach (var sent in new[] { notifying, responding })
            {
                var (sentStatus, sentBody, sentResponse) = await sent;
                Assert.Equal(HttpStatusCode.ServiceUnavailable, sentStatus);
                Assert.Null(sentBody!["id"]);
                Assert.Equal("state_unavailable", sentBody["error"]!["data"]!["error"]!["code"]!.GetValue<string>());
                Assert.Equal("5", sentResponse.Headers.GetValues("Retry-After").Single());
            }
        }
        finally
        {
            await redis.ResumeAsync().Within();
        }

        // The same client, the same session, on the same replica: it continues (until the client ends it on dispose).
        await using (resumed)
        {
            var after = await resumed.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "after" }, cancellationToken: Timeouts.CallToken).AsTask();
            Assert.Null(Witness.ErrorCode(after));
            var (status, body, _) = await SendAsync(http, McpPost.Create(second.Endpoint("fx"), ToolsList, session));
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Contains(body!["result"]!["tools"]!.AsArray(), t => t!["name"]!.GetValue<string>() == "echo");
        }

        // Reported as an outage of the store, audited as refusals (the call, the listing, the notification, and the
        // client's own event-stream GETs), and never a host error.
        await second.WaitForOutputAsync("The redis store does not answer", Timeouts.Call);
        var trail = Path.Combine(second.DataDir, "audit.jsonl");
        string[] Refusals() => File.Exists(trail)
            ? [.. File.ReadLines(trail).Where(l => l.Contains("\"http_refusal\"", StringComparison.Ordinal) && l.Contains("\"state_unavailable\"", StringComparison.Ordinal))]
            : [];
        await Poll.UntilAsync(() => Refusals().Length >= 3 && Refusals().Any(l => l.Contains("\"tool\":\"echo\"", StringComparison.Ordinal)), Timeouts.Call,
            "http_refusal events with state_unavailable in the second replica's audit trail, the tool call's among them");
        var hostErrors = second.Output.Split('\n').Where(l => l.Contains("unhandled exception", StringComparison.OrdinalIgnoreCase)).ToArray();
        Assert.True(hostErrors.Length == 0, string.Join('\n', hostErrors));
        Assert.DoesNotContain(second.Output.Split('\n'), l => l.Contains("state_unavailable", StringComparison.Ordinal) && l.Contains("Refused ", StringComparison.Ordinal));
        Assert.False(second.HasExited);
    }

    /// <summary>
    /// Opens a 2025-11-25 session on <paramref name="replica"/> while the store is gone; the store comes back empty, so the
    /// handshake is stored only if it is saved again.
    /// </summary>
    private static async Task<McpClient> OpenWhileTheStoreIsDownAsync(RedisServer redis, GatewayProcess replica)
    {
        await redis.PauseAsync().Within();
        try
        {
            var opener = await McpClients.ConnectAsync(replica.Endpoint("fx"), protocolVersion: "2025-11-25").Within();
            await replica.WaitForOutputAsync("storing its handshake failed", Timeouts.Call);
            return opener;
        }
        finally
        {
            await redis.RestartAsync().Within(Timeouts.Startup);
        }
    }

    /// <summary>Before, a session opened while the store did not answer worked on its replica but never anywhere else: "session not found" there, even once the store was back.</summary>
    [Fact]
    public async Task SessionOpenedWhileTheStoreIsDown_ContinuesOnAnotherReplicaOnceTheStoreAnswers()
    {
        using var dir = new TempDir();
        await using var redis = await RedisServer.StartAsync().Within(Timeouts.Startup);
        await using var first = await StartReplicaAsync(dir, redis, "a").Within(Timeouts.Startup);
        await using var second = await StartReplicaAsync(dir, redis, "b").Within(Timeouts.Startup);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        var opener = await OpenWhileTheStoreIsDownAsync(redis, first);

        await using (opener)
        {
            await first.WaitForOutputAsync("its handshake is stored now", Timeouts.Call);
            var (status, body, _) = await SendAsync(http, McpPost.Create(second.Endpoint("fx"), ToolsList, opener.SessionId!));

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Contains(body!["result"]!["tools"]!.AsArray(), t => t!["name"]!.GetValue<string>() == "echo");
        }
    }

    /// <summary>
    /// Before, between the store's return and the opening replica's next sweep (up to 5 s and more), another replica
    /// answered such a session 404, "session not found": its client starts over, though the session lives.
    /// </summary>
    [Fact]
    public async Task SessionOpenedWhileTheStoreIsDown_OnAnotherReplicaBeforeItsHandshakeIsSaved_IsStateUnavailableNeverNotFound()
    {
        using var dir = new TempDir();
        await using var redis = await RedisServer.StartAsync().Within(Timeouts.Startup);
        await using var first = await StartReplicaAsync(dir, redis, "a").Within(Timeouts.Startup);
        await using var second = await StartReplicaAsync(dir, redis, "b").Within(Timeouts.Startup);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        var opener = await OpenWhileTheStoreIsDownAsync(redis, first);

        await using (opener)
        {
            // From the store's return on: the other replica answers the session retryably until it can continue it.
            var answers = new List<string>();
            using var deadline = new CancellationTokenSource(Timeouts.Call);
            while (true)
            {
                var (status, body, _) = await SendAsync(http, McpPost.Create(second.Endpoint("fx"), ToolsList, opener.SessionId!));
                answers.Add($"{(int)status} {body?["error"]?["data"]?["error"]?["code"]}");
                if (status is HttpStatusCode.OK && body?["result"] is not null)
                {
                    break;
                }

                Assert.True(status is not HttpStatusCode.NotFound, $"the live session was answered not found: {string.Join(", ", answers)}");
                Assert.Equal("state_unavailable", body?["error"]?["data"]?["error"]?["code"]?.GetValue<string>());
                await Task.Delay(100, deadline.Token);
            }
        }

        // A session no replica ever opened is still not found, once the store has been back a while.
        await Poll.UntilAsync(async _ => (await SendAsync(http, McpPost.Create(second.Endpoint("fx"), ToolsList, "never-opened-" + Guid.NewGuid().ToString("N")))).Status
            == HttpStatusCode.NotFound, TimeSpan.FromSeconds(40), "a session nobody opened answered 404 again");
    }

    [Fact]
    public async Task SessionEnd_StoreNotAnswering_Is503AndRetryable_TheRetryForgetsTheSessionEverywhere()
    {
        using var dir = new TempDir();
        await using var redis = await RedisServer.StartAsync().Within(Timeouts.Startup);
        await using var first = await StartReplicaAsync(dir, redis, "a").Within(Timeouts.Startup);
        await using var second = await StartReplicaAsync(dir, redis, "b").Within(Timeouts.Startup);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var session = await McpPost.OpenSessionAsync(http, second.Endpoint("fx"), "ender");

        await redis.PauseAsync().Within();
        try
        {
            var (status, body, response) = await SendAsync(http, Delete(second, session));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("state_unavailable", body!["error"]!["data"]!["error"]!["code"]!.GetValue<string>());
            Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
        }
        finally
        {
            await redis.ResumeAsync().Within();
        }

        // The refused DELETE closed nothing: the session still works where it was; the retry ends it, and it cannot be
        // continued on the other replica any more.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, McpPost.Create(second.Endpoint("fx"), ToolsList, session))).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, Delete(second, session))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(http, McpPost.Create(second.Endpoint("fx"), ToolsList, session))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(http, McpPost.Create(first.Endpoint("fx"), ToolsList, session))).Status);
    }

    private static HttpRequestMessage Delete(GatewayProcess gateway, string session)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, gateway.Endpoint("fx"));
        request.Headers.Add("Mcp-Session-Id", session);
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        return request;
    }

    private static async Task<McpClient> ResumeAsync(GatewayProcess gateway, McpClient opener)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = gateway.Endpoint("fx"),
            TransportMode = HttpTransportMode.StreamableHttp,
            KnownSessionId = opener.SessionId,
        });
        return await McpClient.ResumeSessionAsync(transport, new ResumeClientSessionOptions
        {
            ServerCapabilities = opener.ServerCapabilities!,
            ServerInfo = opener.ServerInfo!,
            NegotiatedProtocolVersion = opener.NegotiatedProtocolVersion,
        }, cancellationToken: Timeouts.CallToken).WaitAsync(Timeouts.Call);
    }

    private static async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(HttpClient http, HttpRequestMessage request)
    {
        using (request)
        {
            var response = await http.SendAsync(request).WaitAsync(Timeouts.Call);
            var text = await response.Content.ReadAsStringAsync().WaitAsync(Timeouts.Call);
            var json = text.StartsWith("event:", StringComparison.Ordinal) || text.StartsWith("data:", StringComparison.Ordinal)
                ? text.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].Trim()).LastOrDefault()
                : text;
            return (response.StatusCode, string.IsNullOrWhiteSpace(json) ? null : JsonNode.Parse(json), response);
        }
    }

    /// <summary>A replica on the shared Redis, with a data directory of its own.</summary>
    private static Task<GatewayProcess> StartReplicaAsync(TempDir dir, RedisServer redis, string name) => RedisReplica.StartAsync(dir, redis, name);
}
