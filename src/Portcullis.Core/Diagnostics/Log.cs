using Microsoft.Extensions.Logging;

namespace Portcullis.Core.Diagnostics;

/// <summary>Every log event of the core library; event ids 1000–1999 are kept here and nowhere else.</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "Connector {Connector}: upstream connected ({ServerName} {ServerVersion}), {ToolCount} tool(s)")]
    public static partial void UpstreamConnected(ILogger logger, string connector, string serverName, string serverVersion, int toolCount);

    [LoggerMessage(1002, LogLevel.Warning, "Connector {Connector}: upstream unavailable ({Upstream}): {Reason}; next attempt in {DelaySeconds:0.0} s")]
    public static partial void UpstreamUnavailable(ILogger logger, string connector, string upstream, string reason, double delaySeconds);

    [LoggerMessage(1003, LogLevel.Warning, "Connector {Connector}: upstream exited after {UptimeSeconds:0} s ({Reason}); restarting")]
    public static partial void UpstreamExited(ILogger logger, string connector, double uptimeSeconds, string reason);

    [LoggerMessage(1009, LogLevel.Warning, "Connector {Connector}: upstream unresponsive: no answer to a ping within {Seconds} s; not ready until it answers")]
    public static partial void UpstreamUnresponsive(ILogger logger, string connector, int seconds);

    [LoggerMessage(1010, LogLevel.Information, "Connector {Connector}: upstream answers pings again after {DownSeconds:0} s")]
    public static partial void UpstreamResponsive(ILogger logger, string connector, double downSeconds);

    [LoggerMessage(1030, LogLevel.Debug, "Connector {Connector}: the last attempt failed with")]
    public static partial void UpstreamUnavailableDetail(ILogger logger, string connector, Exception exception);

    [LoggerMessage(1004, LogLevel.Information, "Connector {Connector} upstream stderr: {Line}")]
    public static partial void UpstreamStderr(ILogger logger, string connector, string line);

    [LoggerMessage(1008, LogLevel.Warning, "Connector {Connector}: {Dropped} upstream stderr line(s) not logged (more than {PerSecond} a second)")]
    public static partial void UpstreamStderrDropped(ILogger logger, string connector, long dropped, int perSecond);

    [LoggerMessage(1005, LogLevel.Information, "Connector {Connector}: tool list refreshed, {ToolCount} tool(s)")]
    public static partial void ToolsRefreshed(ILogger logger, string connector, int toolCount);

    [LoggerMessage(1023, LogLevel.Warning, "Connector {Connector}: a page of the upstream's tool list was larger than limits.max_result_bytes ({Limit} bytes) and was dropped; the catalog keeps its last list and the list is tried again")]
    public static partial void ToolListPageTooLarge(ILogger logger, string connector, long limit);

    [LoggerMessage(1028, LogLevel.Warning, "Connector {Connector}: the upstream's tool list, all its pages together, was larger than limits.max_result_bytes ({Limit} bytes) or longer than {Pages} pages and was dropped; the catalog keeps its last list and the list is tried again")]
    public static partial void ToolListTooLarge(ILogger logger, string connector, long limit, int pages);

    [LoggerMessage(1029, LogLevel.Warning, "Connector {Connector}: {Count} of the upstream's tools are not served: their x-mcp-header annotations are invalid, so a call could not carry them as Mcp-Param-* headers; the first is {Tool} ({Reason})")]
    public static partial void ToolHeaderAnnotationsInvalid(ILogger logger, string connector, int count, string tool, string reason);

    [LoggerMessage(1006, LogLevel.Warning, "Connector {Connector}: refreshing the tool list failed; no tool call is sent until it succeeds, tried again in {Seconds} s")]
    public static partial void ToolsRefreshFailed(ILogger logger, string connector, int seconds, Exception exception);

    [LoggerMessage(1007, LogLevel.Error, "Connector {Connector}: tool {Tool} is allow-listed but the upstream marks it destructive (or leaves it unannotated); it stays hidden until tools.{Tool}.allow_destructive is set")]
    public static partial void DestructiveToolRefused(ILogger logger, string connector, string tool);

    [LoggerMessage(1012, LogLevel.Error, "Call {CorrelationId}: {Connector}/{Tool} reached the forwarder without passing {Missing}; refused (fail closed)")]
    public static partial void FailClosed(ILogger logger, string correlationId, string connector, string tool, string missing);

    [LoggerMessage(1013, LogLevel.Error, "Call {CorrelationId}: {Connector}/{Tool} failed unexpectedly")]
    public static partial void CallCrashed(ILogger logger, string correlationId, string connector, string tool, Exception exception);

    [LoggerMessage(1014, LogLevel.Warning, "Call {CorrelationId}: the upstream answered with JSON-RPC error {ErrorCode}")]
    public static partial void UpstreamRejected(ILogger logger, string correlationId, int errorCode, Exception exception);

    [LoggerMessage(1015, LogLevel.Warning, "Call {CorrelationId}: the upstream connection failed during the call")]
    public static partial void UpstreamCallFailed(ILogger logger, string correlationId, Exception exception);

    [LoggerMessage(1016, LogLevel.Warning, "Call {CorrelationId}: the upstream did not answer within {TimeoutSeconds} s; cancelled")]
    public static partial void UpstreamTimedOut(ILogger logger, string correlationId, double timeoutSeconds);

    [LoggerMessage(1017, LogLevel.Warning, "Call {CorrelationId}: the request did not reach the upstream ({Reason})")]
    public static partial void UpstreamNotReached(ILogger logger, string correlationId, string reason, Exception? exception);

    [LoggerMessage(1018, LogLevel.Warning, "Call {CorrelationId}: cancelled at the end of the shutdown drain")]
    public static partial void CallDrained(ILogger logger, string correlationId);

    [LoggerMessage(1019, LogLevel.Warning, "Call {CorrelationId}: the write failed after it was sent ({Cause}); answered idempotency_outcome_unknown")]
    public static partial void WriteOutcomeUnknown(ILogger logger, string correlationId, string cause);

    [LoggerMessage(1020, LogLevel.Warning, "Call {CorrelationId}: the upstream answered with a result that is not a valid tool result")]
    public static partial void UpstreamMalformedResult(ILogger logger, string correlationId, Exception? exception);

    [LoggerMessage(1021, LogLevel.Warning, "Call {CorrelationId}: the upstream's answer was larger than limits.max_result_bytes ({Limit} bytes) and was dropped")]
    public static partial void UpstreamAnswerTooLarge(ILogger logger, string correlationId, long limit);

    [LoggerMessage(1022, LogLevel.Warning, "Connector {Connector}: the upstream's event stream sent an event larger than limits.max_result_bytes ({Limit} bytes); the stream was closed, and its notifications (list changes, resource updates) are lost until the upstream reconnects")]
    public static partial void UpstreamStreamCut(ILogger logger, string connector, long limit);

    [LoggerMessage(1024, LogLevel.Warning, "Connector {Connector}: the upstream wrote {Skipped} line(s) to its standard output that are not JSON-RPC since the last report, skipped (reported at most once a minute); the latest: {Line}")]
    public static partial void UpstreamStdoutNotJsonRpc(ILogger logger, string connector, long skipped, string line);

    [LoggerMessage(1027, LogLevel.Warning, "Connector {Connector}: upstream.env.{Name} ({Reference}) resolves to nothing now ({Absence}); the upstream starts without it")]
    public static partial void UpstreamEnvSecretMissing(ILogger logger, string connector, string name, string reference, string absence);

    [LoggerMessage(1026, LogLevel.Warning, "Connector {Connector}: the upstream sent {Skipped} message(s) the gateway cannot read as JSON-RPC since the last report, skipped (reported at most once a minute); a call answered by one fails (over stdio at its timeout), a write as outcome-unknown; the latest reason: {Reason}")]
    public static partial void UpstreamMessageUnreadable(ILogger logger, string connector, long skipped, string reason);

    [LoggerMessage(1031, LogLevel.Warning, "Connector {Connector}: the upstream sent {Dropped} request(s) the gateway did not take up since the last report, left unanswered (reported at most once a minute); an upstream whose requests go unanswered may not be reading its standard input; the latest: {Method}, because {Why}")]
    public static partial void UpstreamRequestsDropped(ILogger logger, string connector, long dropped, string method, string why);

    [LoggerMessage(1025, LogLevel.Warning, "Call {CorrelationId}: connector {Connector}: the upstream refused the gateway's credentials (HTTP {StatusCode}); it did not act on the request, answered upstream_error")]
    public static partial void UpstreamRefusedCredentials(ILogger logger, string correlationId, string connector, int statusCode);

    [LoggerMessage(1101, LogLevel.Information, "Connector {Connector}: obtained an upstream access token valid for {LifetimeSeconds} s")]
    public static partial void UpstreamTokenObtained(ILogger logger, string connector, double lifetimeSeconds);
}
