using Portcullis.Core.Sessions;

namespace Portcullis.Stores.Contract;

/// <summary>
/// What every session store must do, whether several replicas share it or one gateway keeps it across restarts: keep
/// a handshake until it expires, keep an ended one ended (no later save brings it back), and renew one in use.
/// A store's test project derives a class whose <see cref="ConnectSessionsAsync"/> gives each replica its own connection to one fresh namespace.
/// </summary>
public abstract class SessionStoreContract : IAsyncLifetime
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    protected static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A token that gives up after <see cref="Timeout"/>, for a store call that takes one.</summary>
    protected static CancellationToken Deadline => new CancellationTokenSource(Timeout).Token;

    /// <summary>The session store as the replica named <paramref name="replica"/> sees the one namespace this test uses.</summary>
    protected abstract Task<ISessionStore> ConnectSessionsAsync(string replica);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Sessions_SavedOnOneReplica_AreFoundOnAnotherUntilTheyExpireOrEnd()
    {
        var a = await ConnectSessionsAsync("gw-a");
        var b = await ConnectSessionsAsync("gw-b");
        var record = new SessionRecord("s-1", "crm", "alice\u001fclient", """{"protocolVersion":"2025-11-25"}""", Now.AddHours(1));
        await a.SaveAsync(record, Now, Deadline);

        var found = await b.GetAsync("s-1", Now.AddMinutes(59), Deadline);
        var expired = await b.GetAsync("s-1", Now.AddHours(1), Deadline);
        var missing = await b.GetAsync("s-2", Now, Deadline);
        await b.EndAsync("s-1", Now, Deadline);
        var ended = await a.GetAsync("s-1", Now, Deadline);

        // A replica that still holds the session refreshes it: the end stands.
        await a.SaveAsync(record with { ExpiresAt = Now.AddHours(2) }, Now, Deadline);
        var refreshed = await b.GetAsync("s-1", Now, Deadline);
        await a.EndAsync("s-2", Now, Deadline);

        Assert.Equal(record, found);
        Assert.Null(expired);
        Assert.Null(missing);
        Assert.Equal(record with { Ended = true, InitializeParamsJson = "" }, ended);
        Assert.True(refreshed!.Ended);
        Assert.Null(await b.GetAsync("s-2", Now, Deadline));
    }

    /// <summary>
    /// A 2025-11-25 client sets its session's logging level once, on whichever replica that request reaches; before, only
    /// that replica filtered the session's log messages by it, and the others relayed every message.
    /// </summary>
    [Fact]
    public async Task Sessions_LogLevelSetOnOneReplica_IsReadOnAnotherAndNoSaveChangesIt()
    {
        var a = await ConnectSessionsAsync("gw-a");
        var b = await ConnectSessionsAsync("gw-b");
        var record = new SessionRecord("s-level", "crm", "alice\u001fclient", """{"protocolVersion":"2025-11-25","clientInfo":{"name":"é/\u2028"}}""", Now.AddHours(1));
        await a.SaveAsync(record, Now, Deadline);
        await a.SaveAsync(record with { LogLevel = "debug" }, Now, Deadline);
        var before = await b.GetAsync("s-level", Now, Deadline);

        var taken = await b.SetLogLevelAsync("s-level", "warning", Now, Deadline);
        var set = await a.GetAsync("s-level", Now, Deadline);

        // Renewals (the sweep's, a migration's) save what they read, perhaps before the level was set: it stays.
        await a.SaveAsync(record with { ExpiresAt = Now.AddHours(2) }, Now, Deadline);
        await a.SaveAsync(record with { ExpiresAt = Now.AddHours(2), LogLevel = "debug" }, Now, Deadline);
        var renewed = await b.GetAsync("s-level", Now.AddMinutes(90), Deadline);
        await b.SetLogLevelAsync("s-level", "error", Now, Deadline);
        var changed = await a.GetAsync("s-level", Now, Deadline);

        // An unknown session gets no record; an ended one no level.
        var unknown = await a.SetLogLevelAsync("s-level-unknown", "debug", Now, Deadline);
        await a.EndAsync("s-level", Now, Deadline);
        var ended = await b.SetLogLevelAsync("s-level", "debug", Now, Deadline);

        // A new record is stored with the level it carries (a handshake the store did not take at first, saved later).
        await b.SaveAsync(record with { SessionId = "s-level-new", LogLevel = "notice" }, Now, Deadline);

        Assert.Null(before!.LogLevel);
        Assert.True(taken);
        Assert.False(unknown);
        Assert.False(ended);
        Assert.Equal("notice", (await a.GetAsync("s-level-new", Now, Deadline))!.LogLevel);
        Assert.Equal(record with { LogLevel = "warning" }, set);
        Assert.Equal(record with { ExpiresAt = Now.AddHours(2), LogLevel = "warning" }, renewed);
        Assert.Equal("error", changed!.LogLevel);
        Assert.Null(await b.GetAsync("s-level-unknown", Now, Deadline));
        Assert.NotEqual("debug", (await a.GetAsync("s-level", Now, Deadline))!.LogLevel);
    }

    /// <summary>
    /// A session's subscriptions, recorded where its client subscribed, are read where its event stream is opened next (or
    /// after a restart): before, they lived only in the process that took them, and a stream opened elsewhere heard of no
    /// change again. Only a live session's are kept; they go with its end, and no renewal changes them.
    /// </summary>
    [Fact]
    public async Task Sessions_SubscriptionsRecordedOnOneReplica_AreReadOnAnotherUntilTheSessionEnds()
    {
        var a = await ConnectSessionsAsync("gw-a");
        var b = await ConnectSessionsAsync("gw-b");
        var record = new SessionRecord("s-subs", "crm", "alice\u001fclient", """{"protocolVersion":"2025-11-25"}""", Now.AddHours(1));
        await a.SaveAsync(record, Now, Deadline);

        var first = await a.SetSubscribedAsync("s-subs", "test://watched", subscribed: true, Now, Deadline);
        await a.SetSubscribedAsync("s-subs", "test://item/é/\u2028", subscribed: true, Now, Deadline);
        await b.SetSubscribedAsync("s-subs", "test://watched", subscribed: true, Now, Deadline);
        await b.SetSubscribedAsync("s-subs", "test://other", subscribed: true, Now, Deadline);
        await a.SaveAsync(record with { ExpiresAt = Now.AddHours(2) }, Now, Deadline);
        var held = await b.GetSubscriptionsAsync("s-subs", Now.AddMinutes(90), Deadline);

        var removed = await b.SetSubscribedAsync("s-subs", "test://other", subscribed: false, Now, Deadline);
        await a.SetSubscribedAsync("s-subs", "test://never", subscribed: false, Now, Deadline);
        var afterRemoval = await a.GetSubscriptionsAsync("s-subs", Now, Deadline);

        var unknown = await a.SetSubscribedAsync("s-subs-unknown", "test://watched", subscribed: true, Now, Deadline);
        await a.SaveAsync(record with { SessionId = "s-subs-unknown" }, Now, Deadline);
        var unknownLater = await b.GetSubscriptionsAsync("s-subs-unknown", Now, Deadline);

        await b.EndAsync("s-subs", Now, Deadline);
        var ended = await a.GetSubscriptionsAsync("s-subs", Now, Deadline);
        var afterEnd = await a.SetSubscribedAsync("s-subs", "test://watched", subscribed: true, Now, Deadline);

        Assert.True(first);
        Assert.Equal(["test://item/é/\u2028", "test://other", "test://watched"], held);
        Assert.True(removed);
        Assert.Equal(["test://item/é/\u2028", "test://watched"], afterRemoval);
        Assert.False(unknown);
        Assert.Empty(unknownLater);
        Assert.Empty(ended);
        Assert.False(afterEnd);
        Assert.Empty(await b.GetSubscriptionsAsync("s-subs", Now, Deadline));
        Assert.Empty(await b.GetSubscriptionsAsync("s-subs-missing", Now, Deadline));
    }

    /// <summary>The purge takes expired sessions with their subscriptions (Redis expires both itself) and leaves a live one's.</summary>
    [Fact]
    public async Task Sessions_Purged_TakeTheirSubscriptionsAndLeaveTheLiveOnesWithTheirs()
    {
        var a = await ConnectSessionsAsync("gw-a");
        var gone = new SessionRecord("s-purge-gone", "crm", "alice\u001fclient", """{"protocolVersion":"2025-11-25"}""", Now.AddMinutes(10));
        var live = gone with { SessionId = "s-purge-live", ExpiresAt = Now.AddHours(2) };
        await a.SaveAsync(gone, Now, Deadline);
        await a.SaveAsync(live, Now, Deadline);
        await a.SetSubscribedAsync(gone.SessionId, "test://x", subscribed: true, Now, Deadline);
        await a.SetSubscribedAsync(live.SessionId, "test://x", subscribed: true, Now, Deadline);

        var purged = await a.PurgeAsync(Now.AddHours(1), Deadline);

        Assert.InRange(purged, 0, 1);
        Assert.Empty(await a.GetSubscriptionsAsync(gone.SessionId, Now.AddHours(1), Deadline));
        Assert.Equal(["test://x"], await a.GetSubscriptionsAsync(live.SessionId, Now, Deadline));
    }

    /// <summary>
    /// Before, an ended session kept its whole handshake (up to 64 KiB) until its expiry, 24 hours: a caller opening and
    /// ending sessions in a loop, within its session limit, filled the store.
    /// </summary>
    [Fact]
    public async Task Sessions_Ended_ForgetTheirHandshakeAndAreKeptAnHourAtMost()
    {
        var a = await ConnectSessionsAsync("gw-a");
        var b = await ConnectSessionsAsync("gw-b");
        var record = new SessionRecord("s-end-keep", "crm", "alice\u001fclient", "{\"capabilities\":{\"experimental\":{\"x\":\"" + new string('a', 60_000) + "\"}}}", Now + SessionRecord.Lifetime);
        await a.SaveAsync(record, Now, Deadline);

        await b.EndAsync("s-end-keep", Now, Deadline);

        Assert.Equal(record with { Ended = true, InitializeParamsJson = "", ExpiresAt = Now + SessionRecord.EndedKeep },
            await a.GetAsync("s-end-keep", Now + SessionRecord.EndedKeep - TimeSpan.FromMinutes(1), Deadline));
        Assert.Null(await a.GetAsync("s-end-keep", Now + SessionRecord.EndedKeep, Deadline));

        // One that expires sooner keeps its own expiry.
        var soon = record with { SessionId = "s-end-soon", ExpiresAt = Now.AddMinutes(20) };
        await a.SaveAsync(soon, Now, Deadline);
        await b.EndAsync("s-end-soon", Now, Deadline);
        Assert.Equal(soon with { Ended = true, InitializeParamsJson = "" }, await a.GetAsync("s-end-soon", Now.AddMinutes(19), Deadline));
        Assert.Null(await a.GetAsync("s-end-soon", Now.AddMinutes(20), Deadline));
    }

    [Fact]
    public async Task Sessions_ReadManyAtOnce_AnswerTheKnownOnesWithTheirEnd()
    {
        var a = await ConnectSessionsAsync("gw-a");
        var b = await ConnectSessionsAsync("gw-b");
        var live = new SessionRecord("s-many-1", "crm", "alice\u001fclient", "{}", Now.AddHours(1));
        var ended = live with { SessionId = "s-many-2" };
        var expired = live with { SessionId = "s-many-3", ExpiresAt = Now.AddMinutes(1) };
        foreach (var record in new[] { live, ended, expired })
        {
            await a.SaveAsync(record, Now, Deadline);
        }

        await a.EndAsync("s-many-2", Now, Deadline);
        var found = await b.GetManyAsync(["s-many-1", "s-many-2", "s-many-3", "s-many-unknown"], Now.AddMinutes(2), Deadline);

        Assert.Equal([live, ended with { Ended = true, InitializeParamsJson = "" }], found.OrderBy(r => r.SessionId, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Sessions_RenewedByTheReplicaHoldingIt_OutliveTheirFirstExpiry()
    {
        var a = await ConnectSessionsAsync("gw-a");
        var b = await ConnectSessionsAsync("gw-b");
        var record = new SessionRecord("s-renew", "crm", "alice\u001fclient", """{"protocolVersion":"2025-11-25"}""", Now.AddHours(1));
        await a.SaveAsync(record, Now, Deadline);

        await a.SaveAsync(record.RenewedAt(Now)!, Now, Deadline);

        Assert.Equal(record with { ExpiresAt = Now + SessionRecord.Lifetime }, await b.GetAsync("s-renew", Now.AddHours(2), Deadline));
    }

    [Fact]
    public async Task Sessions_ARenewalThatReadTheHandshakeBeforeItsEnd_DoesNotBringItBack()
    {
        var a = await ConnectSessionsAsync("gw-a");
        var record = new SessionRecord("s-race", "crm", "alice\u001fclient", "{}", Now.AddHours(1));
        await a.SaveAsync(record, Now, Deadline);
        var read = await a.GetAsync("s-race", Now, Deadline);

        await a.EndAsync("s-race", Now, Deadline);
        await a.SaveAsync(read!.RenewedAt(Now)!, Now, Deadline);
        var reconnected = await ConnectSessionsAsync("gw-a");

        Assert.Equal(record with { Ended = true, InitializeParamsJson = "" }, await reconnected.GetAsync("s-race", Now.AddMinutes(30), Deadline));
        Assert.Null(await reconnected.GetAsync("s-race", Now.AddHours(1), Deadline));
    }
}
