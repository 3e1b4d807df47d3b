using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Replicas;

/// <summary>Redis restarted empty under three running replicas.</summary>
[Collection("Replicas")]
public sealed class RedisRestartReplicaTests(RedisReplicaCluster cluster) : IClassFixture<RedisReplicaCluster>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task RedisRestartedEmpty_EveryReplicaServesOn_AnswersOnlyResultsOrRetryableErrors()
    {
        await cluster.EnsureReadyAsync();
        var token = cluster.Token(IdempotentWriteTests.Unique("redis-restart"));
        var arguments = new Dictionary<string, object?> { ["contact_id"] = "c-1001" };
        var answers = new List<string>();

        await cluster.RestartStoreAsync().WaitAsync(Timeout);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            for (var i = 0; i < ReplicaCluster.Count; i++)
            {
                try
                {
                    await using var client = await McpClients.ConnectAsync(cluster.Gateways[i].Endpoint("crm"), token, "2026-07-28");
                    var read = await client.CallToolAsync("list_notes", arguments).AsTask().WaitAsync(Timeout);
                    var write = await client.CallToolAsync("add_note", IdempotentWriteTests.Note(IdempotentWriteTests.Unique("after"), IdempotentWriteTests.Unique("key"))).AsTask().WaitAsync(Timeout);
                    foreach (var result in new[] { read, write })
                    {
                        answers.Add(Witness.ErrorCode(result) is { } code && !Witness.Error(result)["retryable"]!.GetValue<bool>() ? $"{i}: permanent {code}" : Witness.ErrorCode(result) ?? "ok");
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    answers.Add($"{i}: {ex.GetType().Name} {ex.Message.Split('\n')[0]}");
                }
            }

            await Task.Delay(500);
        }

        Assert.All(cluster.Gateways, g => Assert.False(g.HasExited, g.Output[^Math.Min(g.Output.Length, 3000)..]));
        Assert.DoesNotContain(answers, a => a.Contains("permanent", StringComparison.Ordinal) || a.Contains("Exception", StringComparison.Ordinal));
        Assert.Contains("rate_limited", answers);
        await cluster.EnsureReadyAsync();
    }
}
