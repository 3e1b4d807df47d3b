using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Replicas;

/// <summary>
/// Races one idempotency key and one review across replicas at the same instant: whatever the order the shared store
/// sees them in, one call runs at most once, and every other answer is one the agent can act on.
/// </summary>
public abstract class ReplicaAttackTests(ReplicaCluster cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private const int Rounds = 6;

    [Fact]
    public async Task AddNote_OneKeyDifferentArgumentsOnTwoReplicasAtOnce_RunsOneAndRefusesTheOtherAsReused()
    {
        await cluster.EnsureReadyAsync();
        var token = cluster.Token(IdempotentWriteTests.Unique("race"));
        var clients = await ConnectAllAsync("crm", token);
        try
        {
            for (var round = 0; round < Rounds; round++)
            {
                var key = IdempotentWriteTests.Unique("key");
                var bodies = new[] { IdempotentWriteTests.Unique("first"), IdempotentWriteTests.Unique("second") };
                var results = await AtOnceAsync(2, i => clients[i].CallToolAsync("add_note", IdempotentWriteTests.Note(bodies[i], key)).AsTask());

                Assert.Equal(1, bodies.Sum(b => Witness.NotesWithBody(cluster.CrmDataDir, b)));
                var ran = Assert.Single(results, r => r.IsError != true);
                var refused = Assert.Single(results, r => r.IsError == true);
                Assert.Equal("idempotency_key_reused", Witness.ErrorCode(refused));
                Assert.Contains(bodies[Array.IndexOf(results, ran)], Witness.Payload(ran), StringComparison.Ordinal);
            }
        }
        finally
        {
            await DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task AddNote_OneKeySameArgumentsInAnotherOrderOnTwoReplicasAtOnce_RunsOnce()
    {
        await cluster.EnsureReadyAsync();
        var token = cluster.Token(IdempotentWriteTests.Unique("order"));
        var clients = await ConnectAllAsync("crm", token);
        try
        {
            for (var round = 0; round < Rounds; round++)
            {
                var key = IdempotentWriteTests.Unique("key");
                var body = IdempotentWriteTests.Unique("order");
                var forwards = IdempotentWriteTests.Note(body, key);
                var backwards = forwards.Reverse().ToDictionary(p => p.Key, p => p.Value);
                var results = await AtOnceAsync(2, i => clients[i].CallToolAsync("add_note", i == 0 ? forwards : backwards).AsTask());

                Assert.Equal(1, Witness.NotesWithBody(cluster.CrmDataDir, body));
                Assert.Contains(results, r => r.IsError != true);
                Assert.All(results.Where(r => r.IsError == true), r => Assert.Equal("idempotency_in_progress", Witness.ErrorCode(r)));
            }
        }
        finally
        {
            await DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task AddNote_OneKeyOfThreePrincipalsOnThreeReplicasAtOnce_EachRunsItsOwn()
    {
        await cluster.EnsureReadyAsync();
        var subject = IdempotentWriteTests.Unique("alice");
        var tokens = new[]
        {
            cluster.Token(subject),
            cluster.Token(IdempotentWriteTests.Unique("bob")),
            // The same subject through another client is another principal.
            cluster.Identity.Mint(cluster.Endpoint.ToString(), "contacts:read notes:read notes:write", change: c =>
            {
                c["sub"] = subject;
                c["client_id"] = "other-client";
            }),
        };
        var clients = await Task.WhenAll(Enumerable.Range(0, ReplicaCluster.Count).Select(i =>
            McpClients.ConnectAsync(cluster.Gateways[i].Endpoint("crm"), tokens[i], "2026-07-28"))).WaitAsync(Timeouts.Call);
        try
        {
            var key = IdempotentWriteTests.Unique("key");
            var body = IdempotentWriteTests.Unique("shared");
            var results = await AtOnceAsync(ReplicaCluster.Count, i => clients[i].CallToolAsync("add_note", IdempotentWriteTests.Note(body, key)).AsTask());

            Assert.All(results, r => Assert.True(r.IsError != true, Witness.ErrorCode(r)));
            Assert.Equal(ReplicaCluster.Count, Witness.NotesWithBody(cluster.CrmDataDir, body));
        }
        finally
        {
            await DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task Review_ApprovedOnOneReplicaDeniedOnAnotherAtOnce_OneDecisionWinsAndTheCallRunsAtMostOnce()
    {
        await cluster.EnsureReadyAsync();
        var token = cluster.ReviewToken(IdempotentWriteTests.Unique("agent"));
        var clients = await ConnectAllAsync("crm-review", token);
        var admins = await Task.WhenAll(cluster.Gateways.Take(2).Select(AdminPlane.OfAsync)).WaitAsync(Timeout);
        var reviewers = new[]
        {
            cluster.AdminToken(admins[0].BaseUrl + "/admin", "portcullis:review", "reviewer-ann"),
            cluster.AdminToken(admins[1].BaseUrl + "/admin", "portcullis:review", "reviewer-ben"),
        };
        try
        {
            for (var round = 0; round < Rounds; round++)
            {
                var body = IdempotentWriteTests.Unique("contested");
                var arguments = IdempotentWriteTests.Note(body, IdempotentWriteTests.Unique("key"));
                var held = await clients[2].CallToolAsync("add_note", arguments).AsTask().WaitAsync(Timeout);
                Assert.Equal("review_pending", Witness.ErrorCode(held));
                var id = Witness.Error(held)["details"]!.AsArray().Single(d => d!["keyword"]!.GetValue<string>() == "review_id")!["message"]!.GetValue<string>();

                var decisions = await AtOnceAsync(2, i => admins[i].SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, reviewers[i],
                    new JsonObject { ["decision"] = i == 0 ? "approve" : "deny" }));

                var won = Assert.Single(decisions, d => d.Status == 200);
                var lost = Assert.Single(decisions, d => d.Status != 200);
                Assert.True(lost.Status == 409, $"{lost.Status} {lost.Body?.ToJsonString()}");
                var approved = Array.IndexOf(decisions, won) == 0;

                var retries = await AtOnceAsync(ReplicaCluster.Count, i => clients[i].CallToolAsync("add_note", arguments).AsTask());
                Assert.Equal(approved ? 1 : 0, Witness.NotesWithBody(cluster.CrmDataDir, body));
                if (!approved)
                {
                    Assert.All(retries, r => Assert.Equal("review_denied", Witness.ErrorCode(r)));
                }
            }
        }
        finally
        {
            await DisposeAllAsync(clients);
        }
    }

    /// <summary>
    /// A 2025-11-25 session on replica 0, its event stream open there and subscribed to a resource; replica 0 is killed
    /// (SIGKILL) and the client's requests go to replica 1 from then on. The session goes on there: calls are served, the
    /// stream is opened again and holds the subscription made on replica 0, whose updates reach the client without it
    /// subscribing again (before, they never came); then replica 0 starts again with its id and serves the session too.
    /// </summary>
    [Fact]
    public async Task Session_StreamHoldersReplicaKilled_ContinuesOnAnotherWithItsStreamAndSubscriptions()
    {
        await cluster.EnsureReadyAsync();
        var subject = IdempotentWriteTests.Unique("failover");
        var target = new Target(cluster.Gateways[0].BaseUrl);
        using var http = new HttpClient(new Retarget(target) { InnerHandler = new HttpClientHandler() });
        var updates = System.Threading.Channels.Channel.CreateUnbounded<string>();
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = cluster.Gateways[0].Endpoint("asking"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + cluster.AskingToken(subject) },
        }, http, ownsHttpClient: false);
        using var cts = new CancellationTokenSource(Timeout);
        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = "2025-11-25" }, cancellationToken: cts.Token);
        await using var onUpdate = client.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (n, _) =>
        {
            updates.Writer.TryWrite(n.Params?["uri"]?.GetValue<string>() ?? "");
            return default;
        });
        var touch = new Dictionary<string, object?> { ["uri"] = "test://watched-resource" };
        async Task<bool> HeardAsync(CancellationToken ct)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                return await updates.Reader.ReadAsync(wait.Token) == "test://watched-resource";
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return false;
            }
        }

        // Subscribed on replica 0, whose stream carries the updates (the stream may take a moment to open).
        await client.SubscribeToResourceAsync("test://watched-resource", cancellationToken: cts.Token);
        await Poll.UntilAsync(
            async ct =>
            {
                await client.CallToolAsync("test_touch_resource", touch, cancellationToken: ct);
                return await HeardAsync(ct);
            },
            TimeSpan.FromSeconds(30),
            () => "the subscriber to be told that the resource changed on replica 0");

        // Kill replica 0; everything the client sends goes to replica 1.
        target.BaseUrl = cluster.Gateways[1].BaseUrl;
        await cluster.KillAsync(0);

        var answers = new List<string>();
        await Poll.UntilAsync(
            async ct =>
            {
                try
                {
                    var result = await client.CallToolAsync("test_touch_resource", touch, cancellationToken: ct).AsTask().WaitAsync(TimeSpan.FromSeconds(20), ct);
                    answers.Add(Witness.ErrorCode(result) ?? "ok");
                    return result.IsError != true;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    answers.Add(ex.GetType().Name + ": " + ex.Message.Split('\n')[0]);
                    return false;
                }
            },
            TimeSpan.FromSeconds(30),
            () => "a call on replica 1 after replica 0 died, answers: " + string.Join("; ", answers));

        // Updates come over the session's stream, opened again on replica 1, which holds the subscription made on replica 0.
        while (updates.Reader.TryRead(out _))
        {
        }

        await Poll.UntilAsync(
            async ct =>
            {
                await client.CallToolAsync("test_touch_resource", touch, cancellationToken: ct);
                return await HeardAsync(ct);
            },
            TimeSpan.FromSeconds(30),
            () => "the subscriber to be told that the resource changed after the failover");

        // Replica 0 back with its id: the session goes on there.
        await cluster.StartAgainAsync(0);
        target.BaseUrl = cluster.Gateways[0].BaseUrl;
        var back = await client.CallToolAsync("test_touch_resource", touch, cancellationToken: cts.Token).AsTask().WaitAsync(Timeout);
        Assert.True(back.IsError != true, Witness.ErrorCode(back));
    }

    /// <summary>
    /// Before, a caller-mode review's confirmation (a 2026-07-28 multi round-trip question the gateway asks before it sends
    /// anything) whose asking replica died before the answer came back was answered <c>idempotency_outcome_unknown</c>
    /// ("the write was sent to the upstream … stop, a person checks"): the call was never sent, the key held only its
    /// review, and no operator could settle it. It is answered retryable now, and the retry with the key runs it once.
    /// </summary>
    [Fact]
    public async Task CallerReview_AskingReplicaGoneBeforeTheConfirmation_IsRetryableAndTheRetryRunsOnce()
    {
        await cluster.EnsureReadyAsync();
        var subject = IdempotentWriteTests.Unique("confirm");
        var body = IdempotentWriteTests.Unique("confirmed");
        var arguments = IdempotentWriteTests.Note(body, IdempotentWriteTests.Unique("key"));
        var target = new Target(cluster.Gateways[0].BaseUrl);
        var asked = 0;
        var handlers = new McpClientHandlers
        {
            ElicitationHandler = async (_, _) =>
            {
                // The first question: its asker dies, and the answer goes to another replica.
                if (Interlocked.Increment(ref asked) == 1)
                {
                    await cluster.KillAsync(0);
                    target.BaseUrl = cluster.Gateways[1].BaseUrl;
                }

                return new ElicitResult { Action = "accept", Content = new Dictionary<string, System.Text.Json.JsonElement> { ["confirm"] = System.Text.Json.JsonSerializer.SerializeToElement(true) } };
            },
        };
        using var http = new HttpClient(new Retarget(target) { InnerHandler = new HttpClientHandler() });
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = cluster.Gateways[0].Endpoint("crm-confirm"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + cluster.ConfirmToken(subject) },
        }, http, ownsHttpClient: false);
        using var cts = new CancellationTokenSource(Timeout);
        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = "2026-07-28", Handlers = handlers }, cancellationToken: cts.Token);

        var gone = await client.CallToolAsync("add_note", arguments, cancellationToken: cts.Token).AsTask().WaitAsync(Timeout);

        Assert.Equal(1, asked);
        Assert.Equal(0, Witness.NotesWithBody(cluster.CrmDataDir, body));
        Assert.True(Witness.ErrorCode(gone) != "idempotency_outcome_unknown", Witness.Error(gone).ToJsonString());
        Assert.True(Witness.Error(gone)["retryable"]!.GetValue<bool>(), Witness.Error(gone).ToJsonString());

        // Asked again on the replica the retry reaches, confirmed, and run once.
        var ran = await client.CallToolAsync("add_note", arguments, cancellationToken: cts.Token).AsTask().WaitAsync(Timeout);
        Assert.True(ran.IsError != true, ran.IsError == true ? Witness.Error(ran).ToJsonString() : "");
        Assert.Equal(2, asked);
        Assert.Equal(1, Witness.NotesWithBody(cluster.CrmDataDir, body));
        await cluster.EnsureReadyAsync();
    }

    [Theory]
    [InlineData("2025-11-25")]
    [InlineData("2026-07-28")]
    public async Task CallerReview_ConfirmedThroughTheBalancer_RunsEachCallOnce(string protocolVersion)
    {
        await cluster.EnsureReadyAsync();
        var subject = IdempotentWriteTests.Unique("confirm-lb");
        var asked = 0;
        var handlers = new McpClientHandlers
        {
            ElicitationHandler = (_, _) =>
            {
                Interlocked.Increment(ref asked);
                return ValueTask.FromResult(new ElicitResult { Action = "accept", Content = new Dictionary<string, System.Text.Json.JsonElement> { ["confirm"] = System.Text.Json.JsonSerializer.SerializeToElement(true) } });
            },
        };
        await using var client = await McpClients.ConnectAsync(new Uri(cluster.Nginx.BaseUrl + "/mcp/crm-confirm"), cluster.ConfirmToken(subject), protocolVersion, handlers);
        for (var i = 0; i < 2 * ReplicaCluster.Count; i++)
        {
            var body = IdempotentWriteTests.Unique("confirmed");
            var arguments = IdempotentWriteTests.Note(body, IdempotentWriteTests.Unique("key"));

            var result = await client.CallToolAsync("add_note", arguments).AsTask().WaitAsync(Timeout);
            var replay = await client.CallToolAsync("add_note", arguments).AsTask().WaitAsync(Timeout);

            Assert.True(result.IsError != true, result.IsError == true ? Witness.Error(result).ToJsonString() : "");
            Assert.Equal(i + 1, asked);
            Assert.Equal(1, Witness.NotesWithBody(cluster.CrmDataDir, body));
            Assert.Equal(Witness.Payload(result), Witness.Payload(replay));
        }
    }

    [Theory]
    [InlineData("2025-11-25")]
    [InlineData("2026-07-28")]
    public async Task CallerReview_ConfirmedOnOneReplicaDeclinedOnAnotherAtOnce_OneAnswerWins(string protocolVersion)
    {
        await cluster.EnsureReadyAsync();
        var subject = IdempotentWriteTests.Unique("confirm-race");
        var token = cluster.ConfirmToken(subject);
        for (var round = 0; round < 3; round++)
        {
            var body = IdempotentWriteTests.Unique("raced");
            var arguments = IdempotentWriteTests.Note(body, IdempotentWriteTests.Unique("key"));
            var asked = 0;
            var bothAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            McpClientHandlers Answering(bool confirm) => new()
            {
                ElicitationHandler = async (_, ct) =>
                {
                    if (Interlocked.Increment(ref asked) == 2)
                    {
                        bothAsked.TrySetResult();
                    }

                    await Task.WhenAny(bothAsked.Task, Task.Delay(TimeSpan.FromSeconds(5), ct));
                    return new ElicitResult { Action = "accept", Content = new Dictionary<string, System.Text.Json.JsonElement> { ["confirm"] = System.Text.Json.JsonSerializer.SerializeToElement(confirm) } };
                },
            };
            await using var yes = await McpClients.ConnectAsync(cluster.Gateways[0].Endpoint("crm-confirm"), token, protocolVersion, Answering(true));
            await using var no = await McpClients.ConnectAsync(cluster.Gateways[1].Endpoint("crm-confirm"), token, protocolVersion, Answering(false));

            var results = await Task.WhenAll(yes.CallToolAsync("add_note", arguments).AsTask(), no.CallToolAsync("add_note", arguments).AsTask()).WaitAsync(Timeout);
            var after = await Task.WhenAll(yes.CallToolAsync("add_note", arguments).AsTask(), no.CallToolAsync("add_note", arguments).AsTask()).WaitAsync(Timeout);

            var notes = Witness.NotesWithBody(cluster.CrmDataDir, body);
            var codes = string.Join(", ", results.Concat(after).Select(r => Witness.ErrorCode(r) ?? "ok"));
            Assert.True(notes <= 1, codes);
            Assert.DoesNotContain("internal", codes, StringComparison.Ordinal);
            if (notes == 1)
            {
                Assert.All(after, r => Assert.True(r.IsError != true, codes));
            }
            else
            {
                Assert.All(after, r => Assert.True(Witness.ErrorCode(r) == "review_denied", codes));
            }
        }
    }

    private sealed class Target(string baseUrl)
    {
        public volatile string BaseUrl = baseUrl;
    }

    /// <summary>Sends every request to the target's replica, whatever replica its URL names.</summary>
    private sealed class Retarget(Target target) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            request.RequestUri = new Uri(new Uri(target.BaseUrl), uri.PathAndQuery);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private async Task<McpClient[]> ConnectAllAsync(string connector, string token) =>
        await Task.WhenAll(cluster.Gateways.Select(g => McpClients.ConnectAsync(g.Endpoint(connector), token, "2026-07-28"))).WaitAsync(Timeouts.Call);

    private static async Task DisposeAllAsync(McpClient[] clients)
    {
        foreach (var client in clients)
        {
            await McpClients.DisposeQuietlyAsync(client);
        }
    }

    /// <summary>Starts <paramref name="count"/> calls released at one instant, each on a thread of its own.</summary>
    private static async Task<T[]> AtOnceAsync<T>(int count, Func<int, Task<T>> call)
    {
        using var start = new ManualResetEventSlim(false);
        var calls = Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            start.Wait(Timeout);
            return await call(i).WaitAsync(Timeout);
        })).ToArray();
        start.Set();
        return await Task.WhenAll(calls).WaitAsync(Timeout);
    }
}

/// <summary>The races on Redis.</summary>
[Collection("Replicas")]
public sealed class RedisReplicaAttackTests(RedisReplicaCluster cluster) : ReplicaAttackTests(cluster), IClassFixture<RedisReplicaCluster>;

/// <summary>The races on PostgreSQL.</summary>
[Collection("Replicas")]
public sealed class PostgresReplicaAttackTests(PostgresReplicaCluster cluster) : ReplicaAttackTests(cluster), IClassFixture<PostgresReplicaCluster>;
