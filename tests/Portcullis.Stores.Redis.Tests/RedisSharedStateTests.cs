using Portcullis.Core.Idempotency;
using Portcullis.Core.RateLimiting;
using Portcullis.Core.State;
using Portcullis.Stores.Contract;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis.Tests;

/// <summary>The shared-state contract against a real redis-server, each replica with its own connection.</summary>
[Collection("redis")]
public sealed class RedisSharedStateTests(RedisServerFixture fixture) : SharedStateContract
{
    private readonly string _prefix = "t-" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<ConnectionMultiplexer> _connections = [];

    protected override async Task<ReplicaState> ConnectAsync(ReplicaIdentity replica)
    {
        var server = fixture.Server;
        var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnectionString.Parse(server.ConnectionString));
        _connections.Add(redis);
        var keys = new RedisKeys(_prefix);
        var idempotency = new RedisIdempotencyStore(redis, keys, replica);
        return new ReplicaState(new RedisStateStore(redis, idempotency), idempotency, new RedisSessionStore(redis, keys),
            new RedisPendingCallRoutes(redis, keys), new RedisRateLimiterProvider(redis, keys), new RedisReplicaRegistry(redis, keys));
    }

    /// <summary>
    /// A replica indexes a key before it asks for it, so that a claim whose answer is lost is still recovered. A key it was
    /// refused (another replica's call in flight, other arguments, outcome-unknown) or answered from (a replay) is no claim
    /// of its own: its index keeps nothing of it. Before, such an entry stayed until the replica's next start, one per key,
    /// and that start read every one of them.
    /// </summary>
    [Fact]
    public async Task OwnerIndex_KeysThisReplicaWasRefusedOrAnsweredFrom_AreNotKept()
    {
        var a = await ConnectAsync(new ReplicaIdentity("gw-a", "0000000000000001", null));
        var b = await ConnectAsync(new ReplicaIdentity("gw-b", "0000000000000001", null));
        var now = DateTimeOffset.UtcNow;
        IdempotencyClaimRequest Request(string key, string fingerprint) =>
            new(new IdempotencyScope("prod", "crm", "alice", "add_note", key), fingerprint, "corr-" + Guid.NewGuid().ToString("N"), now, TimeSpan.FromMinutes(5), TimeSpan.FromHours(24));

        var claimed = await a.Idempotency.TryClaimAsync(Request("k-1", "fp"), CancellationToken.None);
        Assert.Equal(ClaimStatus.InProgress, (await b.Idempotency.TryClaimAsync(Request("k-1", "fp"), CancellationToken.None)).Status);
        Assert.Equal(ClaimStatus.Reused, (await b.Idempotency.TryClaimAsync(Request("k-1", "other"), CancellationToken.None)).Status);
        var unknown = await a.Idempotency.TryClaimAsync(Request("k-2", "fp"), CancellationToken.None);
        Assert.True(await a.Idempotency.MarkUnknownAsync(Request("k-2", "fp").Scope, unknown.Token!, now, CancellationToken.None));
        Assert.Equal(ClaimStatus.OutcomeUnknown, (await b.Idempotency.TryClaimAsync(Request("k-2", "fp"), CancellationToken.None)).Status);
        Assert.True(await a.Idempotency.CompleteAsync(Request("k-1", "fp").Scope, claimed.Token!, "{}", now, CancellationToken.None));
        Assert.Equal(ClaimStatus.Completed, (await b.Idempotency.TryClaimAsync(Request("k-1", "fp"), CancellationToken.None)).Status);

        // Each on the replica's own connection, behind the index updates it sent (fire-and-forget, in order).
        var keys = new RedisKeys(_prefix);
        Assert.Equal(0, await _connections[1].GetDatabase().SetLengthAsync(keys.OwnerIndex("gw-b")));
        Assert.Equal(0, await _connections[0].GetDatabase().SetLengthAsync(keys.OwnerIndex("gw-a")));
    }

    /// <summary>An entry an earlier version wrote (the record key alone, without the claim's token) is still recovered.</summary>
    [Fact]
    public async Task Start_AnEntryWithoutAToken_IsStillSettled()
    {
        var before = await ConnectAsync(new ReplicaIdentity("gw-a", "00000000000000a1", null));
        var request = new IdempotencyClaimRequest(
            new IdempotencyScope("prod", "crm", "alice", "add_note", "k-old"), "fp", "corr-old", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5), TimeSpan.FromHours(24));
        await before.Idempotency.TryClaimAsync(request, CancellationToken.None);
        var keys = new RedisKeys(_prefix);
        var db = _connections[0].GetDatabase();
        var record = keys.Idempotency(request.Scope).ToString();
        await db.SetRemoveAsync(keys.OwnerIndex("gw-a"), $"{record}|{request.Token}");
        await db.SetAddAsync(keys.OwnerIndex("gw-a"), record);

        var after = await ConnectAsync(new ReplicaIdentity("gw-a", "00000000000000a2", null));
        Assert.Equal(1, await after.State.RecoverAsync(DateTimeOffset.UtcNow, CancellationToken.None));

        Assert.Equal(ClaimStatus.OutcomeUnknown, (await after.Idempotency.TryClaimAsync(request with { CorrelationId = "corr-retry" }, CancellationToken.None)).Status);
        // On the new incarnation's own connection, behind the index updates it sent.
        Assert.Equal(0, await _connections[1].GetDatabase().SetLengthAsync(keys.OwnerIndex("gw-a")));
    }

    public override async Task DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }
}
