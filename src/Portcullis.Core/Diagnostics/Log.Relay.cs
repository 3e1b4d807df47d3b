using Microsoft.Extensions.Logging;

namespace Portcullis.Core.Diagnostics;

/// <summary>Log events of the protocol relay (resources, prompts, notifications, server-to-client requests): 1400–1499.</summary>
internal static partial class Log
{
    [LoggerMessage(1401, LogLevel.Warning, "Connector {Connector}: the upstream sent a {Feature} request while calls of several clients were in flight (or none); refused ({Refused} since the last report, reported at most once a minute)")]
    public static partial void RelayUnattributed(ILogger logger, string connector, string feature, long refused);

    [LoggerMessage(1402, LogLevel.Debug, "Connector {Connector}: relaying the upstream's {Feature} request to the calling client")]
    public static partial void RelayAsked(ILogger logger, string connector, string feature);

    [LoggerMessage(1403, LogLevel.Debug, "Connector {Connector}: an upstream log message could not be attributed to one client; dropped")]
    public static partial void RelayLogDropped(ILogger logger, string connector);

    [LoggerMessage(1404, LogLevel.Debug, "Connector {Connector}: a notification to a client was lost ({Reason})")]
    public static partial void RelayNotifyFailed(ILogger logger, string connector, string reason);

    [LoggerMessage(1405, LogLevel.Warning, "Connector {Connector}: the upstream refused {Method} with code {Code}")]
    public static partial void RelayUpstreamRefused(ILogger logger, string connector, string method, int code);

    [LoggerMessage(1406, LogLevel.Warning, "Connector {Connector}: forwarding {Method} failed")]
    public static partial void RelayForwardFailed(ILogger logger, string connector, string method, Exception exception);

    [LoggerMessage(1407, LogLevel.Information, "Request {CorrelationId}: {Connector} {Method} -> {Code}: {Detail}")]
    public static partial void RelayRefused(ILogger logger, string correlationId, string connector, string method, string code, string detail);

    [LoggerMessage(1408, LogLevel.Warning, "Connector {Connector}: the upstream sent {Method} with parameters that do not fit it; dropped ({Dropped} since the last report, reported at most once a minute)")]
    public static partial void RelayMalformed(ILogger logger, string connector, string method, long dropped);

    [LoggerMessage(1409, LogLevel.Warning, "Connector {Connector}: a client did not keep up with the progress and log messages of its call; {Count} dropped once {Limit} were waiting")]
    public static partial void RelayClientTooSlow(ILogger logger, string connector, long count, int limit);

    [LoggerMessage(1411, LogLevel.Warning, "Connector {Connector}: session {SessionId} does not read its stream; once {Limit} notifications wait for it, later ones are dropped (the count is logged when it closes)")]
    public static partial void RelaySessionTooSlow(ILogger logger, string connector, string sessionId, int limit);

    [LoggerMessage(1413, LogLevel.Warning, "Session {SessionId}: the logging level its client asked for was not kept in the state store ({Reason}); it applies on this replica, and the others keep what the store held")]
    public static partial void SessionLogLevelNotKept(ILogger logger, string sessionId, string reason, Exception? exception);

    [LoggerMessage(1414, LogLevel.Warning, "Session {SessionId}: the logging level its client asked for could not be read from the state store in time; this replica's own applies to the call (logged at most every {IntervalSeconds} s)")]
    public static partial void SessionLogLevelNotRead(ILogger logger, string sessionId, double intervalSeconds, Exception exception);

    [LoggerMessage(1415, LogLevel.Error, "Connector {Connector}: {Kind} {Name} is left out: its definition is not I-JSON ({Problem}), so the gateway cannot pass it on; with pins on, reading or getting it is refused. Its other {Kind}s keep working.")]
    public static partial void PassthroughDefinitionUnreadable(ILogger logger, string connector, string kind, string name, string problem);

    [LoggerMessage(1412, LogLevel.Warning, "Connector {Connector}: session {SessionId} closed; {Count} notifications were dropped because it did not read its stream")]
    public static partial void RelaySessionDropped(ILogger logger, string connector, string sessionId, long count);

    [LoggerMessage(1410, LogLevel.Warning, "Request {CorrelationId}: {Connector}'s answer to {Method} was larger than limits.max_result_bytes ({Limit} bytes) and was dropped")]
    public static partial void RelayAnswerTooLarge(ILogger logger, string correlationId, string connector, string method, long limit);

    [LoggerMessage(1416, LogLevel.Information, "Connector {Connector}: the new upstream connection was subscribed to the {Count} resources the sessions here are subscribed to")]
    public static partial void RelayResubscribed(ILogger logger, string connector, int count);

    [LoggerMessage(1417, LogLevel.Warning, "Connector {Connector}: the new upstream connection did not take {Failed} of the {Count} resource subscriptions the sessions here hold (the last: {Uri}); no updates of those come until a session subscribes to them again")]
    public static partial void RelayResubscribeFailed(ILogger logger, string connector, int failed, int count, string uri, Exception? exception);

    [LoggerMessage(1418, LogLevel.Warning, "Session {SessionId}: its {Change} of {Uri} was not kept in the state store ({Reason}); a stream its client opens on another replica, or after a restart, does not know of it")]
    public static partial void SessionSubscriptionNotKept(ILogger logger, string sessionId, string change, string uri, string reason, Exception? exception);

    [LoggerMessage(1419, LogLevel.Warning, "Session {SessionId}: its subscriptions could not be read from the state store; the event stream opened here holds only those its client makes again")]
    public static partial void SessionSubscriptionsNotRead(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(1420, LogLevel.Information, "Connector {Connector}: session {SessionId}'s event stream opened here holds again the {Count} resource subscriptions its client made ({Skipped} no longer allowed, withheld by the pins or past the session's limit left out)")]
    public static partial void SessionSubscriptionsRestored(ILogger logger, string connector, string sessionId, int count, int skipped);

    [LoggerMessage(1421, LogLevel.Warning, "Connector {Connector}: session {SessionId}: the upstream did not take its subscription to {Uri} again; no updates of it come until its client subscribes again")]
    public static partial void SessionSubscriptionNotRestored(ILogger logger, string connector, string sessionId, string uri, Exception exception);

    [LoggerMessage(1422, LogLevel.Warning, "Connector {Connector}: the upstream's {Feature} request got no answer from the calling client ({Reason}); the upstream is answered with an error")]
    public static partial void RelayAskFailed(ILogger logger, string connector, string feature, string reason, Exception? exception);
}
