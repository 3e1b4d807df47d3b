namespace Portcullis.Diagnostics;

/// <summary>Shared state, sessions and replicas: ids 2800–2899.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(2801, LogLevel.Information, "State store {Store} ready for replica {Owner}: {Settled} claim(s) of an earlier incarnation settled as outcome-unknown; clock offset {OffsetMs:F1} ms")]
    public static partial void StateReady(ILogger logger, string store, string owner, int settled, double offsetMs);

    [LoggerMessage(2802, LogLevel.Warning, "State store {Store} is not ready; trying again in {DelayMs} ms")]
    public static partial void StateNotReady(ILogger logger, string store, double delayMs, Exception exception);

    [LoggerMessage(2803, LogLevel.Warning, "This host's clock is {OffsetMs:F0} ms off the {Store} store's (measured over a {RoundTripMs:F1} ms round trip); state timestamps use the store's clock, but check NTP: token lifetimes are judged by the host's")]
    public static partial void ClockSkew(ILogger logger, string store, double offsetMs, double roundTripMs);

    [LoggerMessage(2804, LogLevel.Warning, "Measuring the {Store} store's clock failed; the last offset stays in force")]
    public static partial void ClockSyncFailed(ILogger logger, string store, Exception exception);

    [LoggerMessage(2805, LogLevel.Debug, "Removed {Count} expired session handshake(s) and pending-call route(s)")]
    public static partial void StatePurged(ILogger logger, int count);

    [LoggerMessage(2806, LogLevel.Error, "Removing expired session handshakes and routes failed; it runs again at the next interval")]
    public static partial void StatePurgeFailed(ILogger logger, Exception exception);

    [LoggerMessage(2810, LogLevel.Information, "Session {SessionId} of connector {Connector} continues on this replica")]
    public static partial void SessionMigrated(ILogger logger, string sessionId, string connector);

    [LoggerMessage(2811, LogLevel.Warning, "Session {SessionId} refused on connector {Connector}: {Reason}")]
    public static partial void SessionMigrationRefused(ILogger logger, string sessionId, string connector, string reason);

    [LoggerMessage(2812, LogLevel.Error, "Session {SessionId}: storing its handshake failed; it continues on another replica only once it is stored (retried by the session sweep: {Retried})")]
    public static partial void SessionSaveFailed(ILogger logger, string sessionId, bool retried, Exception exception);

    [LoggerMessage(2818, LogLevel.Information, "Session {SessionId}: its handshake is stored now; it can continue on another replica")]
    public static partial void SessionSavedLater(ILogger logger, string sessionId);

    [LoggerMessage(2813, LogLevel.Information, "Session {SessionId} ended while a request of it waited for its answer; the request ends without one (response started: {Started})")]
    public static partial void SessionEndedMidRequest(ILogger logger, string sessionId, bool started);

    [LoggerMessage(2814, LogLevel.Information, "Session {SessionId} of connector {Connector} was ended by its client on another replica; this replica answers it as unknown from now on")]
    public static partial void SessionEndedElsewhere(ILogger logger, string sessionId, string connector);

    [LoggerMessage(2815, LogLevel.Warning, "Checking {Count} session(s) held here against the state store failed; the check runs again in {IntervalSeconds} s (this warning at most once a minute)")]
    public static partial void SessionSweepFailed(ILogger logger, int count, int intervalSeconds, Exception exception);

    [LoggerMessage(2816, LogLevel.Information, "Session {SessionId} of connector {Connector} was ended by its client; it is not continued here")]
    public static partial void SessionEndedNotContinued(ILogger logger, string sessionId, string connector);

    [LoggerMessage(2817, LogLevel.Information, "Session {SessionId}: two requests continued it on this replica at once (the MCP SDK's migration race after a failed migration); the second is served by the session the first one made")]
    public static partial void SessionMigrationRace(ILogger logger, string sessionId);

    [LoggerMessage(2820, LogLevel.Information, "Pending call retry forwarded to replica {Owner} at {Url}")]
    public static partial void PendingCallForwarded(ILogger logger, string owner, string url);

    [LoggerMessage(2821, LogLevel.Warning, "Pending call retry for replica {Owner} at {Url} answered as gone ({Reason}; correlation id {CorrelationId})")]
    public static partial void PendingCallHolderGone(ILogger logger, string owner, string url, string reason, string correlationId, Exception? exception);

    [LoggerMessage(2822, LogLevel.Warning, "Pending call retry forwarded to replica {Owner} at {Url}: its answer stopped for {Seconds:0} s, longer than the call may take; the connection to the client is closed")]
    public static partial void PendingCallHolderStalled(ILogger logger, string owner, string url, double seconds);

    [LoggerMessage(2823, LogLevel.Information, "A session's answer to a question of replica {Owner} forwarded to it at {Url}")]
    public static partial void SessionAnswerForwarded(ILogger logger, string owner, string url);

    [LoggerMessage(2824, LogLevel.Warning, "A session's answer to a question of replica {Owner} at {Url} could not be forwarded ({Reason}); the call that asked it ends at its timeout")]
    public static partial void SessionAnswerAskerGone(ILogger logger, string owner, string url, string reason, Exception? exception);

    [LoggerMessage(2825, LogLevel.Warning, "Recording or looking up which replica asked a session's client a question failed; an answer that reaches another replica than the asker is not forwarded until the record is made again (every second)")]
    public static partial void SessionQuestionRouteFailed(ILogger logger, Exception exception);

    [LoggerMessage(2836, LogLevel.Information, "Which replica asked a session's client a question is recorded now, after {Attempts} more attempt(s): an answer reaching another replica is forwarded here")]
    public static partial void SessionQuestionRouteRecordedLater(ILogger logger, int attempts);

    [LoggerMessage(2826, LogLevel.Information, "A session's {Method} forwarded to replica {Owner} at {Url}, which holds the session's event stream")]
    public static partial void SessionSubscriptionForwarded(ILogger logger, string method, string owner, string url);

    [LoggerMessage(2827, LogLevel.Warning, "A session's {Method} could not be forwarded to replica {Owner} at {Url}, which held the session's event stream ({Reason}); taken here")]
    public static partial void SessionStreamHolderGone(ILogger logger, string method, string owner, string url, string reason, Exception? exception);

    [LoggerMessage(2830, LogLevel.Warning, "Replica id {ReplicaId} is held by {Holder}, renewed {Seconds:F0} s ago: another process runs with this id, or this replica's last incarnation ended without giving it up; waiting {WaitSeconds:F0} s to see whether it renews")]
    public static partial void ReplicaIdHeld(ILogger logger, string replicaId, string holder, double seconds, double waitSeconds);

    [LoggerMessage(2831, LogLevel.Information, "Replica id {ReplicaId} taken over from {Holder}: it renewed nothing while this process waited ({Seconds:F0} s since its last renewal), or gave the id up")]
    public static partial void ReplicaIdTakenOver(ILogger logger, string replicaId, string holder, double seconds);

    [LoggerMessage(2832, LogLevel.Critical, "Replica id {ReplicaId} is held by another process now ({Holder}): two processes must not run as one replica; this one stops")]
    public static partial void ReplicaIdLost(ILogger logger, string replicaId, string holder);

    [LoggerMessage(2833, LogLevel.Warning, "Renewing this replica's hold on its id {ReplicaId} failed; it lapses {HoldSeconds:F0} s after the last renewal unless renewed (this warning once until it succeeds)")]
    public static partial void ReplicaIdRenewFailed(ILogger logger, string replicaId, double holdSeconds, Exception exception);

    [LoggerMessage(2834, LogLevel.Information, "This replica's hold on its id {ReplicaId} renewed again after {Failures} failed attempt(s)")]
    public static partial void ReplicaIdRenewedAgain(ILogger logger, string replicaId, int failures);

    [LoggerMessage(2835, LogLevel.Warning, "Giving up replica id {ReplicaId} at stop failed; the next incarnation takes it once it lapses")]
    public static partial void ReplicaIdReleaseFailed(ILogger logger, string replicaId, Exception exception);
}
