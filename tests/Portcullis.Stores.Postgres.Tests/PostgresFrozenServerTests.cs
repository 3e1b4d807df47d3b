using System.Diagnostics;
using Npgsql;
using Portcullis.Core.Audit;
using Portcullis.Core.Configuration;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Relay;
using Portcullis.Core.Review;
using Portcullis.Core.Sessions;
using Portcullis.Core.State;

namespace Portcullis.Stores.Postgres.Tests;

/// <summary>
/// Every store operation a client, a reviewer or the replica's hold waits on, against a server that stops answering
/// altogether (every process frozen, its sockets open, as on a hung host): given up as an outage (<c>state_unavailable</c>)
/// within the store's bound (6 s by default; under 11 s here, for a busy machine). Before, the session writes, the review
/// reads and decisions, the settlement of a key and the replica's renewal waited about 15 s (Npgsql's cancel request
/// waits for the frozen server too), the review listing, the listing of keys and the audit search 300 s.
/// </summary>
[Collection("postgres")]
public sealed class PostgresFrozenServerTests(PostgresServerFixture fixture)
{
    private static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    public static TheoryData<string> Operations => new()
    {
        "session-save", "session-end", "session-log-level", "session-subscribe", "session-subscriptions", "route-put",
        "review-get", "review-list", "review-decide", "review-hand-over", "key-resolve", "replica-hold", "key-list", "audit-query",
    };

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Operation_ServerFrozen_IsAnOutageWithinTheBound(string operation)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var dataSource = PostgresDataSource.Create(await fixture.Server.CreateSchemaAsync());
        await PostgresSchema.MigrateAsync(dataSource, timeout.Token);
        var replica = new ReplicaIdentity("gw-a", "0000000000000001", null);
        var store = new PostgresIdempotencyStore(dataSource, replica);
        var sessions = new PostgresSessionStore(dataSource);
        var now = DateTimeOffset.UtcNow;
        var session = new SessionRecord("s-1", "crm", "alice", "{}", now + TimeSpan.FromHours(1));
        await sessions.SaveAsync(session, now, timeout.Token);
        var review = await HoldAsync(store, "k-held", now, timeout.Token);

        Func<CancellationToken, Task> run = operation switch
        {
            "session-save" => ct => sessions.SaveAsync(session with { ExpiresAt = now + TimeSpan.FromHours(2) }, now, ct).AsTask(),
            "session-end" => ct => sessions.EndAsync(session.SessionId, now, ct).AsTask(),
            "session-log-level" => ct => sessions.SetLogLevelAsync(session.SessionId, "debug", now, ct).AsTask(),
            "session-subscribe" => ct => sessions.SetSubscribedAsync(session.SessionId, "crm://contacts", true, now, ct).AsTask(),
            "session-subscriptions" => ct => sessions.GetSubscriptionsAsync(session.SessionId, now, ct).AsTask(),
            "route-put" => ct => new PostgresPendingCallRoutes(dataSource).PutAsync("state-1", new PendingCallRoute(replica.Owner, "http://127.0.0.1:1", now + TimeSpan.FromMinutes(1)), now, ct).AsTask(),
            "review-get" => ct => store.GetReviewAsync(review.Id, now, Retention, ct).AsTask(),
            "review-list" => ct => store.ListReviewsAsync(new ReviewListRequest(now, Retention), ct).AsTask(),
            "review-decide" => ct => store.DecideReviewAsync(new ReviewDecisionRequest(review.Id, "bob", true, null, now, Retention), ct).AsTask(),
            "review-hand-over" => ct => store.HandOverReviewAsync(new ReviewHandOverRequest(review.Id, 1, now, Retention), ct).AsTask(),
            "key-resolve" => ct => store.ResolveAsync(new IdempotencyResolveRequest(review.Scope, review.CorrelationId, false, null, "bob", null, now, Retention), ct).AsTask(),
            "replica-hold" => ct => new PostgresReplicaRegistry(dataSource).HoldAsync(replica, now, now + TimeSpan.FromSeconds(15), null, ct).AsTask(),
            "key-list" => ct => store.ListAsync(new IdempotencyListRequest(now, Retention) { Environment = "prod" }, ct).AsTask(),
            "audit-query" => ct => new PostgresAuditStore(dataSource).QueryAsync(new AuditQuery { Principal = "alice" }, ct).AsTask(),
            _ => throw new ArgumentOutOfRangeException(nameof(operation)),
        };

        var (outage, elapsed) = await AnsweredWhileFrozenAsync(run, timeout.Token);

        Assert.True(new PostgresStateStore(dataSource, store).IsUnavailable(outage), outage.ToString());
        Assert.True(elapsed < TimeSpan.FromSeconds(11), $"{operation} answered in {elapsed}");
    }

    /// <summary>
    /// A reviewer's approval that the frozen server did not answer is not applied behind the answer: once the server runs
    /// again the review is still pending, and the approval asked again is the one that decides it, once.
    /// </summary>
    [Fact]
    public async Task DecideReview_ServerFrozen_NotAppliedBehindTheAnswer_DecidedOnceWhenAskedAgain()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var dataSource = PostgresDataSource.Create(await fixture.Server.CreateSchemaAsync());
        await PostgresSchema.MigrateAsync(dataSource, timeout.Token);
        var store = new PostgresIdempotencyStore(dataSource, new ReplicaIdentity("gw-a", "0000000000000001", null));
        var review = await HoldAsync(store, "k-decide", DateTimeOffset.UtcNow, timeout.Token);

        var (outage, elapsed) = await AnsweredWhileFrozenAsync(
            ct => store.DecideReviewAsync(new ReviewDecisionRequest(review.Id, "bob", true, null, DateTimeOffset.UtcNow, Retention), ct).AsTask(), timeout.Token);

        Assert.IsType<TimeoutException>(outage);
        Assert.True(elapsed < TimeSpan.FromSeconds(11), $"answered in {elapsed}");

        // What the abandoned decision could still do, it does within Npgsql's own timeouts of its connection.
        await Task.Delay(TimeSpan.FromSeconds(12), timeout.Token);
        var read = await store.GetReviewAsync(review.Id, DateTimeOffset.UtcNow, Retention, timeout.Token);
        Assert.Null(read!.Decision);
        var again = await store.DecideReviewAsync(new ReviewDecisionRequest(review.Id, "bob", true, null, DateTimeOffset.UtcNow, Retention), timeout.Token);
        Assert.Equal(ReviewDecisionStatus.Decided, again.Status);
        Assert.Equal("bob", again.Review!.Decision!.DecidedBy);
    }

    /// <summary>
    /// A search given up on a frozen server holds no pooled connection once Npgsql gives up on it (nor does the check that
    /// found the server frozen): with a pool of two, both taken by them, the pool serves two searches at once again once
    /// the server runs, and nothing the search set is left on a connection.
    /// </summary>
    [Theory]
    [InlineData("key-list")]
    [InlineData("audit-query")]
    public async Task Search_ServerFrozen_AbandonedSearchHoldsNoPooledConnection(string operation)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var dataSource = PostgresDataSource.Create(await fixture.Server.CreateSchemaAsync() + ";Maximum Pool Size=2");
        await PostgresSchema.MigrateAsync(dataSource, timeout.Token);
        var store = new PostgresIdempotencyStore(dataSource, new ReplicaIdentity("gw-a", "0000000000000001", null));
        var audit = new PostgresAuditStore(dataSource);
        var held = await HoldAsync(store, "k-listed", DateTimeOffset.UtcNow, timeout.Token);
        await audit.WriteAsync([new AuditEvent { Time = DateTimeOffset.UtcNow, CorrelationId = "c-1", Environment = "prod", Kind = "tool_call", Decision = "allowed", Principal = "alice" }],
            timeout.Token);
        Func<CancellationToken, Task<int>> search = operation == "key-list"
            ? async ct => (await store.ListAsync(new IdempotencyListRequest(DateTimeOffset.UtcNow, Retention) { Environment = "prod" }, ct)).Records.Count
            : async ct => (await audit.QueryAsync(new AuditQuery { Principal = "alice" }, ct)).Events.Count;
        // Both connections of the pool open and idle, so the search and its check meet the frozen server on them.
        await Task.WhenAll(Enumerable.Range(0, 2).Select(async _ =>
        {
            await using var sleep = dataSource.CreateCommand("SELECT pg_sleep(0.2)");
            await sleep.ExecuteNonQueryAsync(timeout.Token);
        }));

        var (outage, elapsed) = await AnsweredWhileFrozenAsync(search, timeout.Token);

        Assert.IsType<TimeoutException>(outage);
        Assert.True(elapsed < TimeSpan.FromSeconds(11), $"answered in {elapsed}");
        var served = Stopwatch.StartNew();
        int[] counts = [];
        while (counts.Length == 0)
        {
            try
            {
                counts = await Task.WhenAll(search(timeout.Token), search(timeout.Token));
            }
            catch (Exception ex) when (new PostgresStateStore(dataSource, store).IsUnavailable(ex) && served.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), timeout.Token);
            }
        }

        Assert.Equal(new[] { 1, 1 }, counts);
        Assert.Equal(held.Scope.Key, (await store.ListAsync(new IdempotencyListRequest(DateTimeOffset.UtcNow, Retention), timeout.Token)).Records.Single().Scope.Key);
        await using var show = dataSource.CreateCommand("SHOW statement_timeout");
        Assert.Equal("0", await show.ExecuteScalarAsync(timeout.Token));
    }

    /// <summary>Freezes the server, runs <paramref name="operation"/> and lets the server run again: what it failed with, and when.</summary>
    private async Task<(Exception Outage, TimeSpan Elapsed)> AnsweredWhileFrozenAsync(Func<CancellationToken, Task> operation, CancellationToken cancellationToken)
    {
        await fixture.Server.PauseAsync();
        var elapsed = Stopwatch.StartNew();
        try
        {
            var outage = await Assert.ThrowsAnyAsync<Exception>(() => operation(cancellationToken));
            return (outage, elapsed.Elapsed);
        }
        finally
        {
            await fixture.Server.ResumeAsync();
        }
    }

    private static async Task<ReviewRecord> HoldAsync(PostgresIdempotencyStore store, string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var scope = new IdempotencyScope("prod", "crm", "alice", "add_note", key);
        var claim = await store.TryClaimAsync(new IdempotencyClaimRequest(scope, "fp-1", "corr-" + key, now, TimeSpan.FromMinutes(5), Retention)
        {
            Review = new ReviewHold(ReviewIds.New(), ReviewModes.Caller, """{"id":"c-1"}""", 1, now + TimeSpan.FromHours(1), "def-1", 1000),
        }, cancellationToken);
        Assert.Equal(ClaimStatus.AwaitingReview, claim.Status);
        return claim.Review!;
    }
}
