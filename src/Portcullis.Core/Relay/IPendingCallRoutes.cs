namespace Portcullis.Core.Relay;

/// <summary>
/// Which replica holds the waiting upstream call of a multi round-trip request, so a retry that reaches another
/// replica can be forwarded to it.
/// </summary>
public interface IPendingCallRoutes
{
    /// <summary>Records that <paramref name="requestState"/> is held by <paramref name="route"/> until its expiry, replacing any earlier route under it.</summary>
    ValueTask PutAsync(string requestState, PendingCallRoute route, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The holder of <paramref name="requestState"/>, or null when it is unknown or expired at <paramref name="now"/>.</summary>
    ValueTask<PendingCallRoute?> GetAsync(string requestState, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes routes that expired before <paramref name="expiredBefore"/>; returns how many.</summary>
    ValueTask<int> PurgeAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken);
}
