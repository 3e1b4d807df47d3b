using Microsoft.Extensions.Logging;

namespace Portcullis.Core.Diagnostics;

/// <summary>Idempotency events: ids 1300–1399.</summary>
internal static partial class Log
{
    [LoggerMessage(1301, LogLevel.Information, "Call {CorrelationId}: replayed the stored result of call {OriginalCorrelationId}")]
    public static partial void IdempotencyReplayed(ILogger logger, string correlationId, string originalCorrelationId);

    [LoggerMessage(1302, LogLevel.Warning, "Call {CorrelationId}: the key's outcome is unknown (the call was sent and no answer was stored); original call {OriginalCorrelationId}")]
    public static partial void IdempotencyOutcomeUnknown(ILogger logger, string correlationId, string originalCorrelationId);

    [LoggerMessage(1303, LogLevel.Warning, "Call {CorrelationId}: the call was sent upstream without a stored outcome; the key is now outcome-unknown")]
    public static partial void IdempotencyMarkedUnknown(ILogger logger, string correlationId);

    [LoggerMessage(1304, LogLevel.Error, "Call {CorrelationId}: recording the idempotency outcome failed; the key will answer outcome-unknown once its lease ends")]
    public static partial void IdempotencyRecordFailed(ILogger logger, string correlationId, Exception exception);

    [LoggerMessage(1305, LogLevel.Warning, "Call {CorrelationId}: the claim was lost before the outcome was stored (lease expired or record expired)")]
    public static partial void IdempotencyClaimLost(ILogger logger, string correlationId);

    [LoggerMessage(1308, LogLevel.Warning, "Call {CorrelationId}: the call was not sent, but its claim could not be released now; releasing it in the background so a retry may run")]
    public static partial void IdempotencyReleaseDeferred(ILogger logger, string correlationId);

    [LoggerMessage(1309, LogLevel.Information, "Call {CorrelationId}: the claim of a call that was not sent is released ({Attempts} attempt(s))")]
    public static partial void IdempotencyReleasedLater(ILogger logger, string correlationId, int attempts);

    [LoggerMessage(1310, LogLevel.Error, "Call {CorrelationId}: the claim of a call that was not sent could not be released (the queue is full, or the gateway stopped); the key answers outcome-unknown once its lease ends, although nothing was sent")]
    public static partial void IdempotencyReleaseAbandoned(ILogger logger, string correlationId);

    [LoggerMessage(1306, LogLevel.Information, "Idempotency purge removed {Count} record(s) created before {CreatedBefore:O}")]
    public static partial void IdempotencyPurged(ILogger logger, int count, DateTimeOffset createdBefore);

    [LoggerMessage(1307, LogLevel.Error, "Idempotency purge failed; it runs again at the next interval")]
    public static partial void IdempotencyPurgeFailed(ILogger logger, Exception exception);
}
