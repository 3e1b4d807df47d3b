using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Testing.Servers;
using Portcullis.Tests.Infrastructure;
using StackExchange.Redis;

namespace Portcullis.Tests.Gateway;

/// <summary>
/// A question an upstream asks while the shared state store does not answer: the replica asking it cannot record itself
/// as the one to send the client's answer to. For a 2026-07-28 call: Before, it never tried again, so the client's answer reaching another
/// replica once the store was back was refused "Unknown or expired requestState" (a protocol error: the client started
/// over, and the call waited out its timeout on the holder; a write there became outcome-unknown). The holder now records
/// itself once the store answers, and the answer is forwarded to it.
/// </summary>
public sealed class PendingCallRouteOutageTests
{
    [Fact]
    public async Task MultiRoundTrip_QuestionAskedWhileTheStoreIsDown_AnswerOnAnotherReplicaOnceItIsBack_ReachesTheHolder()
    {
        using var dir = new TempDir();
        await using var redis = await RedisServer.StartAsync().Within(Timeouts.Startup);
        await using var holder = await RedisReplica.StartAsync(dir, redis, "a", AddAsking).Within(Timeouts.Startup);
        await using var other = await RedisReplica.StartAsync(dir, redis, "b", AddAsking).Within(Timeouts.Startup);

        // The store comes back empty (nothing written meanwhile landed); the answer goes to the other replica once the
        // holder had the time to record itself (it never did before).
        var result = await AskWhileTheStoreIsPausedAsync(redis, holder, other, "2026-07-28", () => RouteRecordedAsync(redis, TimeSpan.FromSeconds(15)));

        Assert.NotEqual(true, result.IsError);
        Assert.Contains("yes to Proceed?", ((TextContentBlock)result.Content[0]).Text, StringComparison.Ordinal);
        await holder.WaitForOutputAsync("Recording which replica holds a pending multi round-trip call failed", Timeouts.Call);
        await other.WaitForOutputAsync("Pending call retry forwarded", Timeouts.Call);
    }

    /// <summary>
    /// The same for a 2025-11-25 session's question: before, the asking replica never recorded itself once the store was
    /// back, so the client's answer reaching another replica was taken there, where nothing waited for it (the POST
    /// accepted, the answer dropped), and the call waited out its timeout.
    /// </summary>
    [Fact]
    public async Task Elicitation_SessionQuestionAskedWhileTheStoreIsDown_AnswerOnAnotherReplicaOnceItIsBack_ReachesTheAsker()
    {
        using var dir = new TempDir();
        await using var redis = await RedisServer.StartAsync(durable: true).Within(Timeouts.Startup);
        await using var holder = await RedisReplica.StartAsync(dir, redis, "a", AddAsking).Within(Timeouts.Startup);
        await using var other = await RedisReplica.StartAsync(dir, redis, "b", AddAsking).Within(Timeouts.Startup);

        // The store comes back with what it had persisted (the session's handshake); the answer goes to the other replica
        // once the asker had the time to record itself (it never did before: the answer goes there anyway).
        var result = await AskWhileTheStoreIsPausedAsync(redis, holder, other, "2025-11-25", async () =>
        {
            try
            {
                await holder.WaitForOutputAsync("a session's client a question is recorded now", TimeSpan.FromSeconds(15));
            }
            catch (TimeoutException)
            {
            }
        });

        Assert.True(result.IsError != true, result.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text);
        Assert.Contains("yes to Proceed?", ((TextContentBlock)result.Content[0]).Text, StringComparison.Ordinal);
        await other.WaitForOutputAsync("forwarded to it at", Timeouts.Call);
    }

    /// <summary>
    /// Calls <c>test_elicitation</c> on <paramref name="holder"/> with the store paused. The question's handler restarts
    /// the store, waits for <paramref name="recorded"/>, and from then on sends the client's requests (its answer among
    /// them) to <paramref name="other"/>.
    /// </summary>
    private static async Task<CallToolResult> AskWhileTheStoreIsPausedAsync(RedisServer redis, GatewayProcess holder, GatewayProcess other, string protocolVersion, Func<Task> recorded)
    {
        var switched = false;
        Exception? askFailed = null;
        using var http = new HttpClient(new RedirectAfter(() => Volatile.Read(ref switched), holder.BaseUrl, other.BaseUrl) { InnerHandler = new HttpClientHandler() });
        var handlers = new McpClientHandlers
        {
            ElicitationHandler = async (request, _) =>
            {
                try
                {
                    await redis.RestartAsync().Within(Timeouts.Startup);
                    await recorded();
                }
                catch (Exception ex)
                {
                    // The client's SDK would answer the question with an anonymous -32603 ("An error occurred."), which
                    // the gateway relays as it came: the failure is named here instead.
                    askFailed = ex;
                    throw;
                }

                Volatile.Write(ref switched, true);
                return new ElicitResult
                {
                    Action = "accept",
                    Content = new Dictionary<string, JsonElement> { ["response"] = JsonSerializer.SerializeToElement("yes to " + request?.Message) },
                };
            },
        };
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = holder.Endpoint("asking"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }, http, ownsHttpClient: false);
        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = protocolVersion, Handlers = handlers },
            cancellationToken: Timeouts.CallToken).WaitAsync(Timeouts.Call);

        await redis.PauseAsync().Within();
        try
        {
            var result = await client.CallToolAsync("test_elicitation", new Dictionary<string, object?> { ["message"] = "Proceed?" }, cancellationToken: Timeouts.CallToken)
                .AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(Volatile.Read(ref switched), "the call ended before its question was answered: "
                + (askFailed is null ? "" : "the test's own client failed to answer it: " + askFailed + "\n")
                + string.Join(" ", result.Content.OfType<TextContentBlock>().Select(c => c.Text)) + "\n" + holder.Output);
            return result;
        }
        finally
        {
            await redis.ResumeAsync().Within();
        }
    }

    /// <summary>Waits, at most <paramref name="timeout"/>, until a pending call's route is in the store.</summary>
    private static async Task RouteRecordedAsync(RedisServer redis, TimeSpan timeout)
    {
        var options = new ConfigurationOptions();
        options.EndPoints.Add(new System.Net.Sockets.UnixDomainSocketEndPoint(redis.SocketPath));
        await using var connection = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(timeout);
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        using var deadline = new CancellationTokenSource(timeout);
        while (!deadline.IsCancellationRequested && !server.Keys(pattern: "portcullis:route:*").Any())
        {
            await Task.Delay(50, CancellationToken.None);
        }
    }

    /// <summary>The conformance fixture behind an anonymous connector: its <c>test_elicitation</c> asks the caller during the call.</summary>
    private static void AddAsking(JsonObject config) => config["connectors"]!.AsArray().Add(new JsonObject
    {
        ["server"] = "asking",
        ["environment"] = "test",
        ["upstream"] = new JsonObject { ["command"] = "dotnet", ["args"] = new JsonArray(Conformance.ConformanceConfig.FixtureDll) },
        ["auth"] = new JsonObject { ["mode"] = "none" },
        ["tools_allow"] = new JsonArray("test_elicitation"),
        ["tools"] = new JsonObject { ["test_elicitation"] = new JsonObject { ["read_only"] = true, ["timeout_seconds"] = 30 } },
    });

    /// <summary>Sends every request to <paramref name="from"/> until <paramref name="switched"/>, then to <paramref name="to"/>.</summary>
    private sealed class RedirectAfter(Func<bool> switched, string from, string to) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (switched() && request.RequestUri!.ToString().StartsWith(from, StringComparison.Ordinal))
            {
                request.RequestUri = new Uri(to + request.RequestUri.ToString()[from.Length..]);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
