using System.Diagnostics;
using System.Threading.RateLimiting;
using Portcullis.Core.Configuration;
using Portcullis.Core.Idempotency;
using Portcullis.Core.RateLimiting;
using Portcullis.Core.Relay;
using Portcullis.Core.Sessions;
using Portcullis.Core.State;

namespace Portcullis.Stores.Contract;

/// <summary>Every kind of shared state of one store family, as one replica sees it.</summary>
public sealed record ReplicaState(
    IStateStore State, IIdempotencyStore Idempotency, ISessionStore Sessions, IPendingCallRoutes Routes, IRateLimiterProvider RateLimits, IReplicaRegistry Replicas);

/// <summary>
/// What a store several replicas share must do beyond the idempotency contract: settle only its own replica's
/// abandoned claims, count one rate limit across replicas, keep session handshakes and pending-call routes, let one
/// process at a time hold a replica id.
/// A store's test project derives one class that connects a replica, each with its own connection, to one fresh namespace.
/// </summary>
public abstract class SharedStateContract : SessionStoreContract
{
    /// <summary>A replica's view of the one namespace this test uses.</summary>
    protected abstract Task<ReplicaState> ConnectAsync(ReplicaIdentity replica);

    protected sealed override async Task<ISessionStore> ConnectSessionsAsync(string replica) => (await ConnectAsync(Replica(replica))).Sessions;

    private static ReplicaIdentity Replica(string id, string incarnation = "0000000000000001") => new(id, incarnation, $"http://{id}.test:8080");

    private static IdempotencyClaimRequest Claim(string key) =>
        new(new IdempotencyScope("prod", "crm", "alice", "add_note", key), "fp", "corr-" + key, Now, TimeSpan.FromMinutes(5), TimeSpan.FromHours(24));

    [Fact]
    public async Task Start_SettlesOnlyTheClaimsOfThisReplicasEarlierIncarnations()
    {
        var before = await ConnectAsync(Replica("gw-a", "00000000000000a1"));
        await before.State.RecoverAsync(Now, CancellationToken.None).AsTask().WaitAsync(Timeout);
        var other = await ConnectAsync(Replica("gw-b"));
        var lookalike = await ConnectAsync(Replica("gw-a#x"));
        await before.Idempotency.TryClaimAsync(Claim("abandoned"), CancellationToken.None);
        await other.Idempotency.TryClaimAsync(Claim("live-elsewhere"), CancellationToken.None);
        await lookalike.Idempotency.TryClaimAsync(Claim("live-lookalike"), CancellationToken.None);

        var after = await ConnectAsync(Replica("gw-a", "00000000000000a2"));
        var settled = await after.State.RecoverAsync(Now, CancellationToken.None).AsTask().WaitAsync(Timeout);
        await after.Idempotency.TryClaimAsync(Claim("mine-now"), CancellationToken.None);
        var again = await after.State.RecoverAsync(Now, CancellationToken.None).AsTask().WaitAsync(Timeout);

        Assert.Equal(1, settled);
        Assert.Equal(0, again);
        Assert.Equal(ClaimStatus.OutcomeUnknown, (await other.Idempotency.TryClaimAsync(Claim("abandoned"), CancellationToken.None)).Status);
        Assert.Equal(ClaimStatus.InProgress, (await after.Idempotency.TryClaimAsync(Claim("live-elsewhere"), CancellationToken.None)).Status);
        Assert.Equal(ClaimStatus.InProgress, (await after.Idempotency.TryClaimAsync(Claim("live-lookalike"), CancellationToken.None)).Status);
        Assert.Equal(ClaimStatus.InProgress, (await other.Idempotency.TryClaimAsync(Claim("mine-now"), CancellationToken.None)).Status);
    }

    [Fact]
    public async Task Claim_OneKeyFromThreeReplicasAtOnce_ExactlyOneClaims()
    {
        var replicas = await Task.WhenAll(new[] { "gw-a", "gw-b", "gw-c" }.Select(id => ConnectAsync(Replica(id)))).WaitAsync(Timeout);
        using var start = new ManualResetEventSlim(false);
        var tasks = Enumerable.Range(0, 30).Select(i => Task.Run(async () =>
        {
            start.Wait(Timeout);
            return await replicas[i % 3].Idempotency.TryClaimAsync(Claim("contended"), CancellationToken.None);
        })).ToArray();
        start.Set();

        var results = await Task.WhenAll(tasks).WaitAsync(Timeout);

        Assert.Single(results, r => r.Status == ClaimStatus.Claimed);
        Assert.All(results.Where(r => r.Status != ClaimStatus.Claimed), r => Assert.Equal(ClaimStatus.InProgress, r.Status));
    }

    [Fact]
    public async Task RateLimit_NPermitsAcrossThreeReplicas_LetsExactlyNThrough()
    {
        var limit = new RateLimitConfig { Permits = 7, WindowSeconds = 3600 };
        var replicas = await Task.WhenAll(new[] { "gw-a", "gw-b", "gw-c" }.Select(id => ConnectAsync(Replica(id)))).WaitAsync(Timeout);
        var limiters = replicas.Select(r => r.RateLimits.Create("prod/crm", limit)).ToArray();

        var leases = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            limiters[i % 3].AcquireAsync("alice", 1, CancellationToken.None).AsTask())).WaitAsync(Timeout);
        var otherPrincipal = await limiters[1].AcquireAsync("bob", 1, CancellationToken.None).AsTask().WaitAsync(Timeout);
        var otherBudget = await replicas[2].RateLimits.Create("prod/crm/add_note", limit).AcquireAsync("alice", 1, CancellationToken.None).AsTask().WaitAsync(Timeout);

        Assert.Equal(7, leases.Count(l => l.IsAcquired));
        Assert.All(leases.Where(l => !l.IsAcquired), l =>
        {
            Assert.True(l.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
            Assert.InRange(retryAfter, TimeSpan.FromSeconds(3000), TimeSpan.FromSeconds(3601));
        });
        Assert.True(otherPrincipal.IsAcquired);
        Assert.True(otherBudget.IsAcquired);
    }

    [Fact]
    public async Task RateLimit_Refused_RetryAfterIsTheTimeLeftInThePrincipalsWindow()
    {
        var limit = new RateLimitConfig { Permits = 1, WindowSeconds = 60 };
        var replicas = await Task.WhenAll(new[] { "gw-a", "gw-b" }.Select(id => ConnectAsync(Replica(id)))).WaitAsync(Timeout);
        var limiters = replicas.Select(r => r.RateLimits.Create("prod/crm", limit)).ToArray();
        var started = Stopwatch.GetTimestamp();

        using var first = await limiters[0].AcquireAsync("alice", 1, CancellationToken.None).AsTask().WaitAsync(Timeout);
        // The window runs on the store's clock, which a test cannot move: let two seconds of it pass (and a little more:
        // a timer may end a millisecond early by the store's clock, which keeps milliseconds).
        await Task.Delay(TimeSpan.FromSeconds(2.05));
        using var refused = await limiters[1].AcquireAsync("alice", 1, CancellationToken.None).AsTask().WaitAsync(Timeout);
        var elapsed = Stopwatch.GetElapsedTime(started);

        Assert.True(first.IsAcquired);
        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.InRange(retryAfter, TimeSpan.FromSeconds(60) - elapsed - TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(58));
    }

    [Fact]
    public async Task Routes_PutByTheHolder_AreFoundByAnotherReplicaUntilTheyExpire()
    {
        var a = await ConnectAsync(Replica("gw-a"));
        var b = await ConnectAsync(Replica("gw-b"));
        var route = new PendingCallRoute("gw-a#0000000000000001", "http://gw-a.test:8080", Now.AddMinutes(10));
        await a.Routes.PutAsync("state-1", route, Now, Deadline);

        Assert.Equal(route, await b.Routes.GetAsync("state-1", Now.AddMinutes(9), Deadline));
        Assert.Null(await b.Routes.GetAsync("state-1", Now.AddMinutes(10), Deadline));
        Assert.Null(await b.Routes.GetAsync("state-2", Now, Deadline));
    }

    [Fact]
    public async Task Routes_PutAgainByAnotherReplica_AreThatReplicasFromThen()
    {
        // A session question's id is the SDK's count of that session's requests on each replica, so a later question of
        // the session asked on another replica may carry the same id: its route must replace the earlier one.
        var a = await ConnectAsync(Replica("gw-a"));
        var b = await ConnectAsync(Replica("gw-b"));
        await a.Routes.PutAsync("state-1", new PendingCallRoute("gw-a#0000000000000001", "http://gw-a.test:8080", Now.AddMinutes(10)), Now, Deadline);
        var later = new PendingCallRoute("gw-b#0000000000000001", "http://gw-b.test:8080", Now.AddMinutes(11));
        await b.Routes.PutAsync("state-1", later, Now.AddMinutes(1), Deadline);

        Assert.Equal(later, await a.Routes.GetAsync("state-1", Now.AddMinutes(10), Deadline));
    }

    [Fact]
    public async Task GetTime_IsTheStoresClock_CloseToThisHosts()
    {
        var a = await ConnectAsync(Replica("gw-a"));

        var storeNow = await a.State.GetTimeAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);

        Assert.InRange(storeNow - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(-5), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ReplicaId_HeldByARunningIncarnation_IsNotTakenUntilItLapsesOrIsGivenUp()
    {
        var first = Replica("gw-a", "00000000000000a1");
        var second = Replica("gw-a", "00000000000000a2");
        var a = await ConnectAsync(first);
        var b = await ConnectAsync(second);

        var taken = await a.Replicas.HoldAsync(first, Now, Now.AddSeconds(15), null, Deadline);
        var refused = await b.Replicas.HoldAsync(second, Now.AddSeconds(1), Now.AddSeconds(16), null, Deadline);
        var renewed = await a.Replicas.HoldAsync(first, Now.AddSeconds(2), Now.AddSeconds(17), null, Deadline);
        var refusedAgain = await b.Replicas.HoldAsync(second, Now.AddSeconds(16), Now.AddSeconds(31), null, Deadline);
        var otherId = await b.Replicas.HoldAsync(Replica("gw-b", "00000000000000b1"), Now.AddSeconds(2), Now.AddSeconds(17), null, Deadline);
        await b.Replicas.ReleaseAsync(second, Deadline);
        var stillHeld = await b.Replicas.HoldAsync(second, Now.AddSeconds(3), Now.AddSeconds(18), null, Deadline);
        await a.Replicas.ReleaseAsync(first, Deadline);
        var afterRelease = await b.Replicas.HoldAsync(second, Now.AddSeconds(4), Now.AddSeconds(19), null, Deadline);

        Assert.Equal(new ReplicaHolder(first.Owner, Now, Now.AddSeconds(15)), taken);
        Assert.Equal(taken, refused);
        Assert.Equal(new ReplicaHolder(first.Owner, Now.AddSeconds(2), Now.AddSeconds(17)), renewed);
        Assert.Equal(renewed, refusedAgain);
        Assert.Equal("gw-b#00000000000000b1", otherId.Owner);
        Assert.Equal(first.Owner, stillHeld.Owner);
        Assert.Equal(new ReplicaHolder(second.Owner, Now.AddSeconds(4), Now.AddSeconds(19)), afterRelease);
    }

    [Fact]
    public async Task ReplicaId_Lapsed_IsTakenAndItsOldHolderFindsItTaken()
    {
        var first = Replica("gw-a", "00000000000000a1");
        var second = Replica("gw-a", "00000000000000a2");
        var a = await ConnectAsync(first);
        var b = await ConnectAsync(second);

        await a.Replicas.HoldAsync(first, Now, Now.AddSeconds(15), null, Deadline);
        var taken = await b.Replicas.HoldAsync(second, Now.AddSeconds(15), Now.AddSeconds(30), null, Deadline);
        var oldHolder = await a.Replicas.HoldAsync(first, Now.AddSeconds(16), Now.AddSeconds(31), null, Deadline);
        await a.Replicas.ReleaseAsync(first, Deadline);
        var kept = await b.Replicas.HoldAsync(second, Now.AddSeconds(17), Now.AddSeconds(32), null, Deadline);

        Assert.Equal(second.Owner, taken.Owner);
        Assert.Equal(taken, oldHolder);
        Assert.Equal(new ReplicaHolder(second.Owner, Now.AddSeconds(17), Now.AddSeconds(32)), kept);
    }

    [Fact]
    public async Task ReplicaId_Stale_IsTakenOnlyWhileItsHolderHasNotRenewedSince()
    {
        var first = Replica("gw-a", "00000000000000a1");
        var second = Replica("gw-a", "00000000000000a2");
        var a = await ConnectAsync(first);
        var b = await ConnectAsync(second);

        var seen = await a.Replicas.HoldAsync(first, Now, Now.AddSeconds(15), null, Deadline);
        await a.Replicas.HoldAsync(first, Now.AddSeconds(2), Now.AddSeconds(17), null, Deadline);
        var renewedMeanwhile = await b.Replicas.HoldAsync(second, Now.AddSeconds(6), Now.AddSeconds(21), seen, Deadline);
        var takenOver = await b.Replicas.HoldAsync(second, Now.AddSeconds(12), Now.AddSeconds(27), renewedMeanwhile, Deadline);

        Assert.Equal(new ReplicaHolder(first.Owner, Now.AddSeconds(2), Now.AddSeconds(17)), renewedMeanwhile);
        Assert.Equal(new ReplicaHolder(second.Owner, Now.AddSeconds(12), Now.AddSeconds(27)), takenOver);
    }
}
