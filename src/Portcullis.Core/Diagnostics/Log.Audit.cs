using Microsoft.Extensions.Logging;

namespace Portcullis.Core.Diagnostics;

/// <summary>Audit trail and decision events: ids 1500–1599.</summary>
internal static partial class Log
{
    [LoggerMessage(1501, LogLevel.Information, "Call {CorrelationId}: {Connector}/{Tool} by {Principal} -> {Decision} {Outcome} in {ElapsedMs:F1} ms")]
    public static partial void CallDecided(ILogger logger, string correlationId, string connector, string tool, string principal, string decision, string outcome, double elapsedMs);

    [LoggerMessage(1502, LogLevel.Warning, "Call {CorrelationId}: {Connector}/{Tool} by {Principal} -> {Decision} {Outcome} at {Stage} in {ElapsedMs:F1} ms: {Message}")]
    public static partial void CallEndedBadly(ILogger logger, string correlationId, string connector, string tool, string principal, string decision, string outcome, string stage, double elapsedMs, string message);

    [LoggerMessage(1503, LogLevel.Information, "Call {CorrelationId}: {Connector}/{Tool} by {Principal} -> refused {Outcome} at {Stage} in {ElapsedMs:F1} ms")]
    public static partial void CallRefused(ILogger logger, string correlationId, string connector, string tool, string principal, string outcome, string stage, double elapsedMs);

    [LoggerMessage(1504, LogLevel.Information, "Request {CorrelationId}: {Connector} {Kind} {Target} by {Principal} -> {Decision} {Outcome} in {ElapsedMs:F1} ms")]
    public static partial void RequestDecided(ILogger logger, string correlationId, string connector, string kind, string target, string principal, string decision, string outcome, double elapsedMs);

    [LoggerMessage(1505, LogLevel.Warning, "Audit: {Count} event(s) dropped since the last report (reported at most once every 10 s): the writer is behind (queue of {Capacity} full)")]
    public static partial void AuditDropped(ILogger logger, long count, int capacity);

    [LoggerMessage(1506, LogLevel.Error, "Audit: the {Sink} sink cannot keep events ({Reason}); retrying, {Pending} event(s) waiting")]
    public static partial void AuditSinkDown(ILogger logger, string sink, string reason, int pending, Exception exception);

    [LoggerMessage(1513, LogLevel.Error, "Audit: the {Sink} sink refused event {Kind} {Decision} of {CorrelationId} ({Reason}); {Kept}")]
    public static partial void AuditEventRefused(ILogger logger, string sink, string kind, string decision, string correlationId, string reason, string kept, Exception exception);

    [LoggerMessage(1507, LogLevel.Warning, "Audit: the {Sink} sink keeps events again after {DownSeconds:F0} s")]
    public static partial void AuditSinkRecovered(ILogger logger, string sink, double downSeconds);

    [LoggerMessage(1508, LogLevel.Information, "Audit: retention purge removed {Count} event(s) older than {Before:O}")]
    public static partial void AuditPurged(ILogger logger, int count, DateTimeOffset before);

    [LoggerMessage(1509, LogLevel.Error, "Audit: retention purge failed; it runs again at the next interval")]
    public static partial void AuditPurgeFailed(ILogger logger, Exception exception);

    [LoggerMessage(1510, LogLevel.Error, "Audit: {Count} event(s) could not be written before shutdown")]
    public static partial void AuditLostAtShutdown(ILogger logger, int count);

    [LoggerMessage(1511, LogLevel.Warning, "Audit: the jsonl file ended in a partial line (a crash mid-write); {Bytes} byte(s) cut to keep every line whole")]
    public static partial void AuditTornLineRepaired(ILogger logger, long bytes);

    [LoggerMessage(1512, LogLevel.Information, "{Kind} {Connector} {Target}: {Detail}")]
    public static partial void AdminEvent(ILogger logger, string kind, string connector, string target, string detail);

    [LoggerMessage(1514, LogLevel.Warning, "Refused {Count} more request(s) from {Source} on connector {Connector} (tool {Tool}) beyond the {Burst} a minute logged one by one (audit.refusals_per_minute), in the {WindowSeconds} s since the first: {Stage} {Code} {ReasonClass}; each is counted in portcullis.http.refusals, and the audit trail holds this summary with its count; the latest: {Method} {Path}: {Reason} (correlation id {CorrelationId})")]
    public static partial void RefusalsSummarized(ILogger logger, long count, string source, string connector, string tool, int burst, int windowSeconds, string stage, string code, string reasonClass, string method, string path, string reason, string correlationId);

    [LoggerMessage(1515, LogLevel.Warning, "Refused {Count} more request(s) across sources beyond the {Budget} a minute the gateway logs one by one from all sources together (each source's first {Burst}, audit.refusals_per_minute, while the budget lasts), in the {WindowSeconds} s since the first: each is counted in portcullis.http.refusals, and the audit trail holds this summary with its count; the latest: from {Source} on connector {Connector} (tool {Tool}), {Stage} {Code} {ReasonClass}, {Method} {Path}: {Reason} (correlation id {CorrelationId})")]
    public static partial void RefusalsSummarizedAcrossSources(ILogger logger, long count, int budget, int burst, int windowSeconds, string source, string connector, string tool, string stage, string code, string reasonClass, string method, string path, string reason, string correlationId);
}
