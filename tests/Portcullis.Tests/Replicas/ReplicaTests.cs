using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Conformance;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Replicas;

/// <summary>
/// Three replicas behind nginx round robin keep every promise one gateway makes: sessions continue on any replica,
/// one rate limit holds across them, a write is never done twice and never lost, and a replica coming back never
/// answers a permanent error for a passing state. Run on Redis and on PostgreSQL.
/// </summary>
public abstract class ReplicaTests(ReplicaCluster cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static readonly Dictionary<string, object?> FindAda = new() { ["query"] = "Ada" };

    [Fact]
    public async Task Session_CSharpSdkClient_ContinuesOnEveryReplica()
    {
        await cluster.EnsureReadyAsync();
        await using var client = await McpClients.ConnectAsync(cluster.Endpoint, cluster.Token(IdempotentWriteTests.Unique("cs")), "2025-11-25");

        for (var i = 0; i < 3 * ReplicaCluster.Count; i++)
        {
            var result = await client.CallToolAsync("find_contact", FindAda).AsTask().WaitAsync(Timeout);
            Assert.Contains("Ada Lovelace", result.StructuredContent!.Value.GetRawText(), StringComparison.Ordinal);
        }

        Assert.Equal(ReplicaCluster.Count, ServedBy(client.SessionId!).Count);
    }

    [Fact]
    public async Task Session_TypeScriptSdkClient_ContinuesOnEveryReplica()
    {
        await cluster.EnsureReadyAsync();
        var run = await NodeTools.RunAsync(Path.Combine(NodeTools.PackagesDir, "clients", "ts-session-client.mjs"),
            [cluster.Endpoint.ToString(), cluster.Token(IdempotentWriteTests.Unique("ts")), (3 * ReplicaCluster.Count).ToString(System.Globalization.CultureInfo.InvariantCulture)],
            Timeout);

        Assert.True(run.ExitCode == 0, run.Output);
        var answer = JsonNode.Parse(run.Stdout.Trim().Split('\n')[^1])!;
        Assert.Equal("2025-11-25", answer["protocolVersion"]!.GetValue<string>());
        Assert.All(answer["texts"]!.AsArray(), text => Assert.Contains("Ada Lovelace", text!.GetValue<string>(), StringComparison.Ordinal));
        Assert.Equal(ReplicaCluster.Count, ServedBy(answer["sessionId"]!.GetValue<string>()).Count);
    }

    [Fact]
    public async Task Session_OnAnotherReplica_ServesOnlyItsPrincipalOnItsConnector()
    {
        await cluster.EnsureReadyAsync();
        var owner = IdempotentWriteTests.Unique("owner");
        await using var client = await McpClients.ConnectAsync(cluster.Gateways[0].Endpoint("crm"), cluster.Token(owner), "2025-11-25");
        var sessionId = client.SessionId!;

        var otherPrincipal = await PostToolsListAsync(cluster.Gateways[1].Endpoint("crm"), sessionId, cluster.Token(IdempotentWriteTests.Unique("intruder")));
        var otherConnector = await PostToolsListAsync(cluster.Gateways[1].Endpoint("asking"), sessionId, cluster.AskingToken(owner));
        var itsOwner = await PostToolsListAsync(cluster.Gateways[2].Endpoint("crm"), sessionId, cluster.Token(owner));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, otherPrincipal);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, otherConnector);
        Assert.Equal(System.Net.HttpStatusCode.OK, itsOwner);
    }

    [Fact]
    public async Task Session_EndedByItsClient_EndsOnEveryReplicaThatHeldIt()
    {
        await cluster.EnsureReadyAsync();
        var owner = IdempotentWriteTests.Unique("ender");
        var client = await McpClients.ConnectAsync(cluster.Endpoint, cluster.Token(owner), "2025-11-25");
        var sessionId = client.SessionId!;
        for (var i = 0; i < 3 * ReplicaCluster.Count; i++)
        {
            await client.CallToolAsync("find_contact", FindAda).AsTask().WaitAsync(Timeout);
        }

        Assert.Equal(ReplicaCluster.Count, ServedBy(sessionId).Count);

        // The client ends its session (HTTP DELETE, through nginx to one replica); every replica that held it follows.
        await client.DisposeAsync().AsTask().WaitAsync(Timeout);
        var statuses = new System.Net.HttpStatusCode[ReplicaCluster.Count];
        await Poll.UntilAsync(
            async _ =>
            {
                for (var i = 0; i < ReplicaCluster.Count; i++)
                {
                    statuses[i] = await PostToolsListAsync(cluster.Gateways[i].Endpoint("crm"), sessionId, cluster.Token(owner));
                }

                return statuses.All(s => s == System.Net.HttpStatusCode.NotFound);
            },
            Timeout,
            () => "every replica to answer the ended session 404, last " + string.Join(", ", statuses));
    }

    private static async Task<System.Net.HttpStatusCode> PostToolsListAsync(Uri endpoint, string sessionId, string token)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Mcp-Session-Id", sessionId);
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        request.Headers.Add("Authorization", "Bearer " + token);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode;
    }

    [Fact]
    public async Task RateLimit_NPermits_LetsExactlyNThroughAcrossTheReplicas()
    {
        await cluster.EnsureReadyAsync();
        const int permits = ReplicaCluster.ListNotesPermits;
        await using var client = await McpClients.ConnectAsync(cluster.Endpoint, cluster.Token(IdempotentWriteTests.Unique("rl")), "2025-11-25");
        var arguments = new Dictionary<string, object?> { ["contact_id"] = "c-1001" };

        var results = new List<CallToolResult>();
        for (var i = 0; i < 3 * permits; i++)
        {
            results.Add(await client.CallToolAsync("list_notes", arguments).AsTask().WaitAsync(Timeout));
        }

        Assert.Equal(ReplicaCluster.Count, ServedBy(client.SessionId!).Count);
        Assert.Equal(permits, results.Count(r => r.IsError != true));
        var refused = results.Where(r => r.IsError == true).ToList();
        Assert.Equal(2 * permits, refused.Count);
        Assert.All(refused, r =>
        {
            Assert.Equal("rate_limited", Witness.ErrorCode(r));
            Assert.InRange(Witness.Error(r)["retry_after_seconds"]!.GetValue<int>(), 3000, 3600);
        });
    }

    [Fact]
    public async Task AddNote_BurstOfRetriesOfOneKeyOnEveryReplica_AddsExactlyOneNote()
    {
        await cluster.EnsureReadyAsync();
        var token = cluster.Token(IdempotentWriteTests.Unique("burst"));
        var body = IdempotentWriteTests.Unique("burst");
        var arguments = IdempotentWriteTests.Note(body, IdempotentWriteTests.Unique("key"));
        var clients = await Task.WhenAll(cluster.Gateways.Select(g => McpClients.ConnectAsync(g.Endpoint("crm"), token, "2026-07-28"))).WaitAsync(Timeouts.Call);
        try
        {
            using var start = new ManualResetEventSlim(false);
            var calls = Enumerable.Range(0, 10 * ReplicaCluster.Count).Select(i => Task.Run(async () =>
            {
                start.Wait(Timeout);
                return await clients[i % ReplicaCluster.Count].CallToolAsync("add_note", arguments).AsTask().WaitAsync(Timeout);
            })).ToArray();
            start.Set();
            var results = await Task.WhenAll(calls).WaitAsync(Timeout);
            var replay = await clients[0].CallToolAsync("add_note", arguments).AsTask().WaitAsync(Timeout);

            Assert.Equal(1, Witness.NotesWithBody(cluster.CrmDataDir, body));
            Assert.Contains(results, r => r.IsError != true);
            Assert.All(results.Where(r => r.IsError == true), r => Assert.Equal("idempotency_in_progress", Witness.ErrorCode(r)));
            Assert.True(replay.Meta!["portcullis/replay"]!.GetValue<bool>());
            Assert.Equal(Witness.Payload(results.First(r => r.IsError != true)), Witness.Payload(replay));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Review_HeldThroughTheBalancer_ApprovedOnOneReplica_RunsOnceWhereverItsRetriesLand()
    {
        await cluster.EnsureReadyAsync();
        var body = IdempotentWriteTests.Unique("reviewed");
        var arguments = IdempotentWriteTests.Note(body, IdempotentWriteTests.Unique("key"));
        var token = cluster.ReviewToken(IdempotentWriteTests.Unique("agent"));
        var clients = await Task.WhenAll(cluster.Gateways.Select(g => McpClients.ConnectAsync(g.Endpoint("crm-review"), token, "2026-07-28"))).WaitAsync(Timeouts.Call);
        try
        {
            // Held once: every replica answers the retry with the one review, and nothing runs.
            var held = await Task.WhenAll(clients.Select(c => c.CallToolAsync("add_note", arguments).AsTask())).WaitAsync(Timeout);
            var id = ReviewId(held[0]);
            Assert.All(held, r => Assert.Equal(("review_pending", id), (Witness.ErrorCode(r), ReviewId(r))));
            Assert.Equal(0, Witness.NotesWithBody(cluster.CrmDataDir, body));

            // Approved on the admin plane of a replica the call never reached first.
            var admin = await AdminPlane.OfAsync(cluster.Gateways[2]).WaitAsync(Timeout);
            var reviewer = cluster.AdminToken(admin.BaseUrl + "/admin", "portcullis:review", "reviewer-bob");
            var decided = await admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, reviewer, new JsonObject { ["decision"] = "approve" }).WaitAsync(Timeout);
            Assert.True(decided.Status == 200, decided.Body?.ToJsonString());

            // A burst of retries on every replica at once runs it once; the retry after it gets that call's result.
            using var start = new ManualResetEventSlim(false);
            var calls = Enumerable.Range(0, 5 * ReplicaCluster.Count).Select(i => Task.Run(async () =>
            {
                start.Wait(Timeout);
                return await clients[i % ReplicaCluster.Count].CallToolAsync("add_note", arguments).AsTask().WaitAsync(Timeout);
            })).ToArray();
            start.Set();
            var results = await Task.WhenAll(calls).WaitAsync(Timeout);
            var ran = Assert.Single(results, r => r.IsError != true && r.Meta?["portcullis/replay"] is null);
            Assert.All(results.Where(r => r.IsError == true), r => Assert.Equal("idempotency_in_progress", Witness.ErrorCode(r)));
            var replays = await Task.WhenAll(clients.Select(c => c.CallToolAsync("add_note", arguments).AsTask())).WaitAsync(Timeout);

            Assert.Equal(1, Witness.NotesWithBody(cluster.CrmDataDir, body));
            Assert.All(replays, r => Assert.Equal(Witness.Payload(ran), Witness.Payload(r)));
            Assert.All(replays, r => Assert.True(r.Meta!["portcullis/replay"]!.GetValue<bool>()));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static string ReviewId(CallToolResult result) =>
        Witness.Error(result)["details"]!.AsArray().Single(d => d!["keyword"]!.GetValue<string>() == "review_id")!["message"]!.GetValue<string>();

    [Fact]
    public async Task AddNote_RetriedWhileReplicasAreKilledAndRestarted_NoDuplicateAndNoLostAcknowledgedWrite()
    {
        await cluster.EnsureReadyAsync();
        const int writes = 12;
        var token = cluster.Token(IdempotentWriteTests.Unique("chaos"));
        var bodies = Enumerable.Range(0, writes).Select(i => IdempotentWriteTests.Unique($"chaos {i}")).ToArray();
        var keys = Enumerable.Range(0, writes).Select(i => IdempotentWriteTests.Unique($"key {i}")).ToArray();
        var outcomes = new ConcurrentDictionary<int, string>();
        var permanent = new ConcurrentBag<string>();
        var trace = new ConcurrentQueue<string>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task WorkAsync(int worker)
        {
            McpClient? client = null;
            for (var n = worker; n < writes; n += ReplicaCluster.Count)
            {
                if (n + ReplicaCluster.Count >= writes)
                {
                    // Each worker's last write comes after the kills, whatever the pace of the others.
                    await killed.Task.WaitAsync(deadline.Token);
                }

                while (!outcomes.ContainsKey(n))
                {
                    deadline.Token.ThrowIfCancellationRequested();
                    try
                    {
                        client ??= await McpClients.ConnectAsync(cluster.Endpoint, token, "2025-11-25");
                        var result = await client.CallToolAsync("add_note", IdempotentWriteTests.Note(bodies[n], keys[n]), cancellationToken: deadline.Token)
                            .AsTask().WaitAsync(TimeSpan.FromSeconds(30));
                        trace.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {n}: answered {Witness.ErrorCode(result) ?? "ok"}");
                        switch (Witness.ErrorCode(result))
                        {
                            case null:
                                outcomes[n] = "acknowledged";
                                break;
                            case "idempotency_outcome_unknown":
                                outcomes[n] = "unknown";
                                break;
                            case var code when Witness.Error(result)["retryable"]!.GetValue<bool>():
                                trace.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {n}: {code}");
                                await Task.Delay(150, deadline.Token);
                                break;
                            case var code:
                                permanent.Add($"{n}: {code}");
                                outcomes[n] = "refused";
                                break;
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !deadline.IsCancellationRequested)
                    {
                        // The replica serving the request died under it: retry with the same key through the balancer.
                        trace.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {n}: {ex.GetType().Name} {ex.Message.Split('\n')[0]}");
                        if (client is not null)
                        {
                            await McpClients.DisposeQuietlyAsync(client);
                            client = null;
                        }

                        await Task.Delay(150, deadline.Token);
                    }
                }

                await Task.Delay(100, deadline.Token);
            }

            if (client is not null)
            {
                await McpClients.DisposeQuietlyAsync(client);
            }
        }

        var workers = Enumerable.Range(0, ReplicaCluster.Count).Select(w => Task.Run(() => WorkAsync(w))).ToArray();
        var writingAtKill = new List<int>();
        // Two replicas die mid-traffic (SIGKILL), one after the other, and start again at once, in the background;
        // the third carries the traffic meanwhile, and the restarted ones take it back as they become ready.
        for (var victim = 0; victim < 2; victim++)
        {
            await Task.Delay(300, deadline.Token);
            writingAtKill.Add(workers.Count(w => !w.IsCompleted));
            await cluster.KillAsync(victim);
            trace.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} killed {victim}");
            await cluster.StartAgainAsync(victim, waitReady: false);
        }

        killed.SetResult();
        try
        {
            await Task.WhenAll(workers).WaitAsync(Timeout);
        }
        catch (Exception ex)
        {
            Assert.Fail($"The writes did not finish ({ex.GetType().Name}); done: {outcomes.Count} of {writes}; last attempts:\n{string.Join("\n", trace.TakeLast(40))}");
        }
        finally
        {
            await cluster.EnsureReadyAsync();
        }

        Assert.Empty(permanent);
        Assert.All(writingAtKill, writing => Assert.Equal(ReplicaCluster.Count, writing));
        for (var n = 0; n < writes; n++)
        {
            var notes = Witness.NotesWithBody(cluster.CrmDataDir, bodies[n]);
            if (outcomes[n] == "acknowledged")
            {
                Assert.True(notes == 1, $"write {n} was acknowledged and is there {notes} time(s)");
            }
            else
            {
                Assert.True(notes <= 1, $"write {n} ({outcomes[n]}) is there {notes} times");
            }
        }
    }

    [Fact]
    public async Task Restart_ReplicaComingBack_NeverAnswersAPermanentErrorForATransientState()
    {
        await cluster.EnsureReadyAsync();
        var token = cluster.Token(IdempotentWriteTests.Unique("restart"));
        const int victim = ReplicaCluster.Count - 1;
        await cluster.KillAsync(victim);
        var restarting = await cluster.StartAgainAsync(victim, waitReady: false);
        var answers = new List<string>();
        using var deadline = new CancellationTokenSource(Timeout);
        McpClient? client = null;
        try
        {
            // From the moment the process starts: whatever answers must be a result or a retryable error.
            while (answers.Count < 6)
            {
                deadline.Token.ThrowIfCancellationRequested();
                try
                {
                    client ??= await McpClients.ConnectAsync(cluster.DirectEndpoint(victim), token, "2026-07-28");
                    var read = await client.CallToolAsync("find_contact", FindAda, cancellationToken: deadline.Token).AsTask();
                    var write = await client.CallToolAsync("add_note", IdempotentWriteTests.Note(IdempotentWriteTests.Unique("restart"), IdempotentWriteTests.Unique("key")),
                        cancellationToken: deadline.Token).AsTask();
                    foreach (var result in new[] { read, write })
                    {
                        answers.Add(Witness.ErrorCode(result) is { } code && !Witness.Error(result)["retryable"]!.GetValue<bool>()
                            ? $"permanent {code}: {Witness.Error(result)["message"]}" : "ok");
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException || ex.InnerException is HttpRequestException || ex is ModelContextProtocol.McpException)
                {
                    // Not listening yet: a load balancer passes such a request to another replica.
                    await Task.Delay(50, deadline.Token);
                }
            }
        }
        finally
        {
            if (client is not null)
            {
                await McpClients.DisposeQuietlyAsync(client);
            }
        }

        await restarting.WaitListeningAsync(Timeout);
        await restarting.WaitReadyAsync(Timeout);
        Assert.All(answers, a => Assert.Equal("ok", a));
    }

    [Fact]
    public async Task MultiRoundTrip_RetryReachingAnotherReplica_IsForwardedToTheOneHoldingTheCall()
    {
        await cluster.EnsureReadyAsync();
        var forwardedBefore = cluster.Gateways.Sum(g => Count(g.Output, "Pending call retry forwarded"));
        McpClient client;
        try
        {
            client = await ConnectAskingAsync(cluster.AskingEndpoint, cluster.AskingToken(IdempotentWriteTests.Unique("mrtr")), new HttpClient());
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"Connecting through nginx failed; its log:\n{string.Join("\n", cluster.Nginx.AccessLog())}", ex);
        }

        await using var _ = client;

        for (var i = 0; i < ReplicaCluster.Count; i++)
        {
            var result = await client.CallToolAsync("test_elicitation", new Dictionary<string, object?> { ["message"] = $"Proceed {i}?" }).AsTask().WaitAsync(Timeout);

            Assert.NotEqual(true, result.IsError);
            Assert.Contains($"yes to Proceed {i}?", ((TextContentBlock)result.Content[0]).Text, StringComparison.Ordinal);
        }

        // nginx rotates every request, so some answers reached a replica other than the one asking.
        Assert.True(cluster.Gateways.Sum(g => Count(g.Output, "Pending call retry forwarded")) > forwardedBefore);
    }

    [Fact]
    public async Task Elicitation_SessionClientAnsweringThroughTheBalancer_ReachesTheAskingReplica()
    {
        await cluster.EnsureReadyAsync();
        await using var client = await ConnectAskingAsync(cluster.AskingEndpoint, cluster.AskingToken(IdempotentWriteTests.Unique("elicit")), new HttpClient(), protocolVersion: "2025-11-25");

        for (var i = 0; i < ReplicaCluster.Count; i++)
        {
            var result = await client.CallToolAsync("test_elicitation", new Dictionary<string, object?> { ["message"] = $"Proceed {i}?" }).AsTask().WaitAsync(Timeout);

            Assert.True(result.IsError != true, result.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text);
            Assert.Contains($"yes to Proceed {i}?", ((TextContentBlock)result.Content[0]).Text, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Calls of one session on every replica at once, each asking its question. Each replica numbered a session's
    /// questions from its own count, so the client was asked several questions of one id, and an answer reached whichever
    /// replica had recorded that id last: one call got another's answer (a confirmation of one action taken for another).
    /// Each process now asks under ids of its own.
    /// </summary>
    [Fact]
    public async Task Elicitation_QuestionsOfOneSessionAskedAtOnceOnEveryReplica_EachAnswerReachesItsOwnQuestion()
    {
        await cluster.EnsureReadyAsync();
        const int calls = ReplicaCluster.Count * 2;
        var asked = 0;
        var allAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlers = new McpClientHandlers
        {
            ElicitationHandler = async (request, ct) =>
            {
                // Answered once every question is out (or after a while, should the client take them one at a time).
                if (Interlocked.Increment(ref asked) == calls)
                {
                    allAsked.TrySetResult();
                }

                await Task.WhenAny(allAsked.Task, Task.Delay(TimeSpan.FromSeconds(3), ct));
                return new ElicitResult
                {
                    Action = "accept",
                    Content = new Dictionary<string, System.Text.Json.JsonElement> { ["response"] = System.Text.Json.JsonSerializer.SerializeToElement("yes to " + request?.Message) },
                };
            },
        };
        await using var client = await ConnectAskingAsync(cluster.AskingEndpoint, cluster.AskingToken(IdempotentWriteTests.Unique("elicit-at-once")), new HttpClient(), handlers, protocolVersion: "2025-11-25");

        var results = await Task.WhenAll(Enumerable.Range(0, calls).Select(i =>
            client.CallToolAsync("test_elicitation", new Dictionary<string, object?> { ["message"] = $"Proceed {i}?" }).AsTask())).WaitAsync(Timeout);

        for (var i = 0; i < calls; i++)
        {
            var text = results[i].Content.OfType<TextContentBlock>().FirstOrDefault()?.Text;
            Assert.True(results[i].IsError != true, text);
            Assert.Contains($"yes to Proceed {i}?", text, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// A session's event stream is open on one replica and its <c>resources/subscribe</c> reaches another. Before, that
    /// replica subscribed for the session itself, where the session has no stream: every update was dropped there, and the
    /// replica with the stream had no subscription. The subscription now goes to the replica holding the stream.
    /// </summary>
    [Fact]
    public async Task Subscribe_OnAnotherReplicaThanTheSessionsStream_UpdatesReachTheClient()
    {
        await cluster.EnsureReadyAsync();
        var subject = IdempotentWriteTests.Unique("sub");
        var updated = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await ConnectAskingAsync(cluster.Gateways[0].Endpoint("asking"), cluster.AskingToken(subject), new HttpClient(), protocolVersion: "2025-11-25");
        await using var onUpdate = client.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (n, _) =>
        {
            updated.TrySetResult(n.Params?["uri"]?.GetValue<string>() ?? "");
            return default;
        });
        var sessionId = client.SessionId!;

        // Each replica runs its own upstream child: the resource is changed through the replica whose upstream the
        // subscription must be on, the one holding the stream (the client's stream may take a moment to open).
        // Until the stream's holder is recorded, the replica reached takes the subscription itself (and keeps it with the
        // session, so the holder holds it too once its stream has opened): subscribe until it is forwarded.
        await Poll.UntilAsync(
            async ct =>
            {
                var subscribe = await PostAsync(cluster.Gateways[1].Endpoint("asking"), sessionId, cluster.AskingToken(subject),
                    """{"jsonrpc":"2.0","id":9,"method":"resources/subscribe","params":{"uri":"test://watched-resource"}}""");
                Assert.Contains("\"result\"", subscribe, StringComparison.Ordinal);
                return cluster.Gateways[1].Output.Contains("A session's resources/subscribe forwarded to replica", StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(20),
            () => "the subscription to be forwarded to the replica holding the session's stream");
        await Poll.UntilAsync(
            async ct =>
            {
                await PostAsync(cluster.Gateways[0].Endpoint("asking"), sessionId, cluster.AskingToken(subject),
                    """{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"test_touch_resource","arguments":{"uri":"test://watched-resource"}}}""");
                return await Task.WhenAny(updated.Task, Task.Delay(TimeSpan.FromSeconds(2), ct)) == updated.Task;
            },
            TimeSpan.FromSeconds(20),
            () => "the subscriber to be told that the resource changed");

        Assert.Equal("test://watched-resource", await updated.Task.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Conformance_Suite_2025_11_25_ThroughTheBalancer_EveryScenarioPasses()
    {
        await cluster.EnsureReadyAsync();

        // Round robin: a session's requests, its stream and its answers to the server's questions reach every replica.
        // The active suite, then the pending scenarios (json-schema-2020-12, server-sse-polling) too.
        foreach (var suite in new[] { "active", "pending" })
        {
            var (exitCode, _, text) = await NodeTools.RunAsync(NodeTools.Suite2025, ["server", "--url", cluster.ConformanceEndpoint.ToString(), "--suite", suite], TimeSpan.FromMinutes(10));
            var result = SuiteResult.Parse(exitCode, text);

            Assert.True(result.Passed > 0, text);
            Assert.True(result.Failed == 0 && exitCode == 0, text);
        }
    }

    [Fact]
    public async Task Logging_LevelSetOnOneReplica_FiltersTheSessionsMessagesOnEveryReplica()
    {
        await cluster.EnsureReadyAsync();
        var received = new ConcurrentQueue<string>();
        var transport = new HttpClientTransport(new HttpClientTransportOptions { Endpoint = cluster.ConformanceEndpoint, TransportMode = HttpTransportMode.StreamableHttp });
        using var cts = new CancellationTokenSource(Timeout);
        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = "2025-11-25" }, cancellationToken: cts.Token);
        await using var onMessage = client.RegisterNotificationHandler(NotificationMethods.LoggingMessageNotification, (n, _) =>
        {
            received.Enqueue(n.Params?.ToJsonString() ?? "");
            return default;
        });

#pragma warning disable MCP9005 // logging/setLevel is deprecated on 2026-07-28, still served to 2025-11-25 sessions.
        await client.SetLoggingLevelAsync(LoggingLevel.Error, cancellationToken: cts.Token);
#pragma warning restore MCP9005

        // Round robin: the calls after the one request that set the level reach the other replicas too.
        for (var i = 0; i < 2 * ReplicaCluster.Count; i++)
        {
            var result = await client.CallToolAsync("test_tool_with_logging", cancellationToken: cts.Token);
            Assert.NotEqual(true, result.IsError);
        }

        // The tool logs at info, under the session's level: no replica relays any of it.
        Assert.Empty(received);

        // Asked again, for more: every replica relays every message (each handled on its own task, so counted by polling).
#pragma warning disable MCP9005
        await client.SetLoggingLevelAsync(LoggingLevel.Debug, cancellationToken: cts.Token);
#pragma warning restore MCP9005
        for (var i = 0; i < 2 * ReplicaCluster.Count; i++)
        {
            Assert.NotEqual(true, (await client.CallToolAsync("test_tool_with_logging", cancellationToken: cts.Token)).IsError);
        }

        await Poll.UntilAsync(_ => Task.FromResult(received.Count >= 3 * 2 * ReplicaCluster.Count), TimeSpan.FromSeconds(30),
            () => $"every call's three log messages, {received.Count} of {3 * 2 * ReplicaCluster.Count} so far");
    }

    private static async Task<string> PostAsync(Uri endpoint, string sessionId, string token, string body)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("Mcp-Session-Id", sessionId);
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        request.Headers.Add("Authorization", "Bearer " + token);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await http.SendAsync(request).WaitAsync(Timeout);
        return await response.Content.ReadAsStringAsync().WaitAsync(Timeout);
    }

    [Fact]
    public async Task MultiRoundTrip_HolderGoneBeforeTheRetry_AnswersARetryableErrorAtOnce()
    {
        await cluster.EnsureReadyAsync();
        var holder = cluster.Gateways[0];
        var other = cluster.Gateways[1];
        // The client talks to the holder until it is asked; then the holder dies and the retry goes to another replica.
        using var gone = new StruckHolder(holder.BaseUrl, other.BaseUrl, () => cluster.KillAsync(0));
        await using var client = await ConnectAskingAsync(new Uri($"{holder.BaseUrl}/mcp/asking"), cluster.AskingToken(IdempotentWriteTests.Unique("gone")), gone.Http, gone.Handlers);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var result = await client.CallToolAsync("test_elicitation", new Dictionary<string, object?> { ["message"] = "Still there?" }).AsTask().WaitAsync(Timeout);

        Assert.True(gone.Struck);
        Assert.Equal("upstream_unavailable", Witness.ErrorCode(result));
        Assert.True(Witness.Error(result)["retryable"]!.GetValue<bool>());
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(30));
        await cluster.EnsureReadyAsync();
    }

    /// <summary>
    /// Before, a write's retry whose holder was gone was answered the retryable <c>upstream_unavailable</c> ("call the tool
    /// again"), though the write had been sent upstream before the upstream asked its question and may have acted.
    /// </summary>
    [Fact]
    public async Task MultiRoundTrip_WriteWhoseHolderIsGone_IsOutcomeUnknownNeverRetryable()
    {
        await cluster.EnsureReadyAsync();
        var holder = cluster.Gateways[0];
        var other = cluster.Gateways[1];
        using var gone = new StruckHolder(holder.BaseUrl, other.BaseUrl, () => cluster.KillAsync(0));
        var subject = IdempotentWriteTests.Unique("gone-write");
        await using var client = await ConnectAskingAsync(new Uri($"{holder.BaseUrl}/mcp/asking-write"), cluster.AskingWriteToken(subject), gone.Http, gone.Handlers);
        var arguments = new Dictionary<string, object?> { ["message"] = "Still there?", ["idempotency_key"] = "k-" + subject };

        var result = await client.CallToolAsync("test_elicitation", arguments).AsTask().WaitAsync(Timeout);

        Assert.True(gone.Struck);
        Assert.Equal("idempotency_outcome_unknown", Witness.ErrorCode(result));
        var error = Witness.Error(result);
        Assert.False(error["retryable"]!.GetValue<bool>());
        Assert.Equal("upstream_unavailable", error["details"]![0]!["keyword"]!.GetValue<string>());
        Assert.DoesNotContain("Call the tool again", error.ToJsonString(), StringComparison.Ordinal);
        await cluster.EnsureReadyAsync();
    }

    /// <summary>
    /// Before, a retry forwarded to a holder that was frozen (SIGSTOP: its kernel still accepts the connection, nothing
    /// answers) waited for as long as the holder slept, without end.
    /// </summary>
    [Fact]
    public async Task MultiRoundTrip_HolderFrozenBeforeTheRetry_AnswersARetryableErrorOnceTheToolsTimeoutHasPassed()
    {
        await cluster.EnsureReadyAsync();
        var holder = cluster.Gateways[0];
        var other = cluster.Gateways[1];
        using var frozen = new StruckHolder(holder.BaseUrl, other.BaseUrl, () => Signals.SendAsync("STOP", holder.ProcessId));
        await using var client = await ConnectAskingAsync(new Uri($"{holder.BaseUrl}/mcp/asking"), cluster.AskingToken(IdempotentWriteTests.Unique("frozen")), frozen.Http, frozen.Handlers);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        CallToolResult result;
        try
        {
            result = await client.CallToolAsync("test_elicitation", new Dictionary<string, object?> { ["message"] = "Still there?" }).AsTask().WaitAsync(Timeout);
        }
        finally
        {
            if (frozen.Struck)
            {
                await Signals.SendAsync("CONT", holder.ProcessId);
            }
        }

        Assert.True(frozen.Struck);
        Assert.Equal("upstream_unavailable", Witness.ErrorCode(result));
        Assert.True(Witness.Error(result)["retryable"]!.GetValue<bool>());
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(ReplicaCluster.AskingTimeoutSeconds), TimeSpan.FromSeconds(60));
        await other.WaitForOutputAsync("it did not answer within", Timeouts.Call);
        await cluster.EnsureReadyAsync();
    }

    /// <summary>
    /// A retry forwarded to the holder that the holder's MCP transport refuses (here its <c>Mcp-Name</c> header names
    /// another tool than its body) is one malformed request: the holder counts it, and the replica that only relayed
    /// the holder's 400 does not count it again.
    /// </summary>
    [Fact]
    public async Task MultiRoundTrip_RetryTheHoldersTransportRefuses_IsCountedOnceByTheHolder()
    {
        await cluster.EnsureReadyAsync();
        var holder = cluster.Gateways[0];
        var other = cluster.Gateways[1];
        var holderMetrics = await AdminPlane.OfAsync(holder);
        var otherMetrics = await AdminPlane.OfAsync(other);
        var holderBefore = await MalformedAsync(holderMetrics);
        var otherBefore = await MalformedAsync(otherMetrics);
        var subject = IdempotentWriteTests.Unique("misnamed");
        using var misnamed = new StruckHolder(holder.BaseUrl, other.BaseUrl, () => Task.CompletedTask, misnameAfterwards: true);
        await using var client = await ConnectAskingAsync(new Uri($"{holder.BaseUrl}/mcp/asking"), cluster.AskingToken(subject), misnamed.Http, misnamed.Handlers);
        try
        {
            var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("test_elicitation", new Dictionary<string, object?> { ["message"] = "Who asks?" }).AsTask().WaitAsync(Timeout));

            Assert.True(misnamed.Struck);
            Assert.Contains("Header mismatch", refused.Message, StringComparison.Ordinal);
            Assert.Equal(holderBefore + 1, await MalformedAsync(holderMetrics));
            Assert.Equal(otherBefore, await MalformedAsync(otherMetrics));
        }
        finally
        {
            // The holder keeps the call, its question unanswered, until the tool's timeout: while it is in flight the
            // upstream's next question could not be told from its own (docs/protocol.md), so the next test waits for its end.
            await holder.WaitForOutputAsync($"asking/test_elicitation by {subject} ->", Timeout);
        }
    }

    /// <summary>The replica's count of malformed requests (<c>portcullis_http_refusals_total</c> of the frame stage).</summary>
    private static async Task<double> MalformedAsync(AdminPlane admin)
    {
        var line = (await admin.MetricsAsync().WaitAsync(Timeout)).Split('\n')
            .FirstOrDefault(l => l.StartsWith("portcullis_http_refusals_total{", StringComparison.Ordinal)
                && l.Contains("code=\"invalid_request\"", StringComparison.Ordinal) && l.Contains("stage=\"frame\"", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<McpClient> ConnectAskingAsync(Uri endpoint, string token, HttpClient http, McpClientHandlers? handlers = null, string protocolVersion = "2026-07-28")
    {
        handlers ??= new McpClientHandlers
        {
            ElicitationHandler = (request, _) => ValueTask.FromResult(new ElicitResult
            {
                Action = "accept",
                Content = new Dictionary<string, System.Text.Json.JsonElement> { ["response"] = System.Text.Json.JsonSerializer.SerializeToElement("yes to " + request?.Message) },
            }),
        };
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = endpoint,
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        }, http, ownsHttpClient: false);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = protocolVersion, Handlers = handlers }, cancellationToken: cts.Token);
    }

    private static int Count(string text, string what) => (text.Length - text.Replace(what, "", StringComparison.Ordinal).Length) / what.Length;

    /// <summary>
    /// A client's HTTP and handlers that talk to the holder until the upstream asks its question; then the holder is
    /// struck (killed, or frozen) and every later request, the retry with the answer, goes to the other replica.
    /// </summary>
    private sealed class StruckHolder : IDisposable
    {
        private volatile bool _struck;

        public StruckHolder(string holder, string other, Func<Task> strike, bool misnameAfterwards = false)
        {
            Http = new HttpClient(new RedirectAfter(() => _struck, holder, other, misnameAfterwards) { InnerHandler = new HttpClientHandler() });
            Handlers = new McpClientHandlers
            {
                ElicitationHandler = async (_, _) =>
                {
                    await strike();
                    _struck = true;
                    return new ElicitResult { Action = "accept", Content = new Dictionary<string, System.Text.Json.JsonElement>() };
                },
            };
        }

        public bool Struck => _struck;

        public HttpClient Http { get; }

        public McpClientHandlers Handlers { get; }

        public void Dispose() => Http.Dispose();
    }

    /// <summary>
    /// Sends every request to <paramref name="from"/> until <paramref name="switched"/>, then to <paramref name="to"/>,
    /// with an <c>Mcp-Name</c> that is not its body's when <paramref name="misname"/>.
    /// </summary>
    private sealed class RedirectAfter(Func<bool> switched, string from, string to, bool misname) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (switched() && request.RequestUri!.ToString().StartsWith(from, StringComparison.Ordinal))
            {
                request.RequestUri = new Uri(to + request.RequestUri.ToString()[from.Length..]);
                if (misname && request.Headers.Remove("Mcp-Name"))
                {
                    request.Headers.Add("Mcp-Name", "not_the_tool");
                }
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>The replicas (nginx's upstream addresses) that answered the session's POSTs; every POST must have succeeded.</summary>
    private HashSet<string> ServedBy(string sessionId)
    {
        var lines = cluster.Nginx.AccessLog().Select(l => l.Split(' ')).Where(f => f.Length >= 6 && f[^5] == sessionId && f[^4] == "POST").ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, f => Assert.StartsWith("2", f[^3], StringComparison.Ordinal));
        return [.. lines.Select(f => string.Join(' ', f[..^5]).Split(", ")[^1])];
    }
}

/// <summary>The two clusters take turns: six gateways and their upstreams at once would starve a 2-core machine.</summary>
[CollectionDefinition("Replicas", DisableParallelization = true)]
public sealed class ReplicaCollection;

/// <summary>The replica tests on Redis.</summary>
[Collection("Replicas")]
public sealed class RedisReplicaTests(RedisReplicaCluster cluster) : ReplicaTests(cluster), IClassFixture<RedisReplicaCluster>;

/// <summary>The replica tests on PostgreSQL.</summary>
[Collection("Replicas")]
public sealed class PostgresReplicaTests(PostgresReplicaCluster cluster) : ReplicaTests(cluster), IClassFixture<PostgresReplicaCluster>;
