namespace Portcullis.Diagnostics;

/// <summary>HTTP-level refusals the gateway writes itself: ids 2600–2699.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(2601, LogLevel.Warning, "Refused {Method} {Path} with {Status} {Code}: {Reason} (correlation id {CorrelationId})")]
    public static partial void HttpRefused(ILogger logger, string method, string path, int status, string code, string reason, string correlationId);

    [LoggerMessage(2603, LogLevel.Warning, "Refused session {SessionId} on {Method} {Path}: {Reason}; the MCP layer answers as for a session it does not know (correlation id {CorrelationId})")]
    public static partial void SessionRefused(ILogger logger, string sessionId, string method, string path, string reason, string correlationId);

    [LoggerMessage(2604, LogLevel.Warning, "Refused {What} on {Path} for principal {Principal}: it holds {Held} session(s) on this replica, limits.max_sessions_per_principal; {Refused} refused for it since the last report (reported at most once a minute per principal; each is counted in portcullis.http.refusals) (correlation id {CorrelationId})")]
    public static partial void SessionLimitRefused(ILogger logger, string what, string path, string principal, int held, long refused, string correlationId);

    [LoggerMessage(2602, LogLevel.Warning, "Refused {Count} malformed request(s) since the last report, {Total} refusal(s) since start (reported at most every {IntervalSeconds} s; each is counted in portcullis.http.refusals); the latest: {Code} on {Method} {Path}: {Reason} (correlation id {CorrelationId})")]
    public static partial void JunkRefused(ILogger logger, long count, long total, int intervalSeconds, string code, string method, string path, string reason, string correlationId);
}
