namespace Portcullis.Core.Sessions;

/// <summary>
/// The initialize handshakes of 2025-11-25 sessions, so that a session continues on whichever replica its next
/// request reaches. Every time comes from the caller, as for idempotency records.
/// </summary>
public interface ISessionStore
{
    /// <summary>Stores (or refreshes) a session's handshake.</summary>
    ValueTask SaveAsync(SessionRecord record, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The session's handshake, or null when it is unknown or expired at <paramref name="now"/>.</summary>
    ValueTask<SessionRecord?> GetAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Forgets a session the client ended.</summary>
    ValueTask RemoveAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>Deletes handshakes that expired before <paramref name="expiredBefore"/>; returns how many.</summary>
    ValueTask<int> PurgeAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken);
}
