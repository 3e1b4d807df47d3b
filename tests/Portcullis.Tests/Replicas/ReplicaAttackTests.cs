using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Replicas;

/// <summary>
/// Replicas struck while a call, a review or a session goes on through them, and idempotency keys and reviews raced
/// across replicas: a call runs at most once, and every other answer is one the agent can act on.
/// </summary>
public abstract class ReplicaAttackTests(ReplicaCluster cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

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
}

/// <summary>The attacks on Redis.</summary>
[Collection("Replicas")]
public sealed class RedisReplicaAttackTests(RedisReplicaCluster cluster) : ReplicaAttackTests(cluster), IClassFixture<RedisReplicaCluster>;

/// <summary>The attacks on PostgreSQL.</summary>
[Collection("Replicas")]
public sealed class PostgresReplicaAttackTests(PostgresReplicaCluster cluster) : ReplicaAttackTests(cluster), IClassFixture<PostgresReplicaCluster>;
