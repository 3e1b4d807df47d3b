namespace Portcullis.Core.Sessions;

/// <summary>
/// The initialize handshakes of 2025-11-25 sessions, so that a session continues on whichever replica its next
/// request reaches. Every time comes from the caller, as for idempotency records.
/// </summary>
public interface ISessionStore
{
    /// <summary>
    /// Stores (or refreshes the expiry of) a session's handshake; never revives one that was ended. A new record is stored
    /// with its <see cref="SessionRecord.LogLevel"/>; a stored one keeps its own.
    /// </summary>
    ValueTask SaveAsync(SessionRecord record, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Records the logging level the session's client asked for (<see cref="SessionRecord.LogLevel"/>), on a stored session
    /// that was not ended, and says whether it did; an unknown, expired or ended one is left as it is.
    /// </summary>
    ValueTask<bool> SetLogLevelAsync(string sessionId, string level, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Records that the session's client subscribed to the resource <paramref name="uri"/> (or, with
    /// <paramref name="subscribed"/> false, unsubscribed from it), so that the replica its event stream is opened on next, or
    /// the gateway after a restart, holds the subscription again. Kept as long as the session's handshake and forgotten with
    /// its end. False when the store holds no live handshake for the session (unknown, expired or ended): nothing is recorded.
    /// </summary>
    ValueTask<bool> SetSubscribedAsync(string sessionId, string uri, bool subscribed, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The resources the session's client is subscribed to; none for a session unknown, expired or ended at <paramref name="now"/>.</summary>
    ValueTask<IReadOnlyList<string>> GetSubscriptionsAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The session's handshake (<see cref="SessionRecord.Ended"/> once ended), or null when it is unknown or expired at <paramref name="now"/>.</summary>
    ValueTask<SessionRecord?> GetAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The handshakes of those of <paramref name="sessionIds"/> that are known and not expired, in one round trip where the store allows.</summary>
    ValueTask<IReadOnlyList<SessionRecord>> GetManyAsync(IReadOnlyList<string> sessionIds, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Marks a session the client ended and forgets its handshake. It is kept, ended, until its expiry but at most
    /// <see cref="SessionRecord.EndedKeep"/> after <paramref name="now"/>, so that every replica holding it learns of the
    /// end and no save that read it before the end (a renewal, a migration) brings it back.
    /// </summary>
    ValueTask EndAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes handshakes that expired before <paramref name="expiredBefore"/>; returns how many.</summary>
    ValueTask<int> PurgeAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken);
}
