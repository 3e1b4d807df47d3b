using Microsoft.Extensions.Logging;

namespace Portcullis.Core.Diagnostics;

/// <summary>Idempotency events: ids 1300–1399.</summary>
internal static partial class Log
{
    [LoggerMessage(1301, LogLevel.Information, "Call {CorrelationId}: replayed the stored result of call {OriginalCorrelationId}")]
    public static partial void IdempotencyReplayed(ILogger logger, string correlationId, string originalCorrelationId);

    [LoggerMessage(1302, LogLevel.Warning, "Call {CorrelationId}: the key's outcome is unknown (the call was sent and no answer was stored); original call {OriginalCorrelationId}")]
    public static partial void IdempotencyOutcomeUnknown(ILogger logger, string correlationId, string originalCorrelationId);

    [LoggerMessage(1313, LogLevel.Error, "Call {CorrelationId}: the stored result of the key's completed call {OriginalCorrelationId} cannot be read; answered outcome-unknown")]
    public static partial void IdempotencyRecordUnreadable(ILogger logger, string correlationId, string originalCorrelationId, Exception exception);

    [LoggerMessage(1303, LogLevel.Warning, "Call {CorrelationId}: the call was sent upstream without a stored outcome; the key is now outcome-unknown")]
    public static partial void IdempotencyMarkedUnknown(ILogger logger, string correlationId);

    [LoggerMessage(1305, LogLevel.Warning, "Call {CorrelationId}: the claim was lost before the outcome was stored (lease expired or record expired)")]
    public static partial void IdempotencyClaimLost(ILogger logger, string correlationId);

    [LoggerMessage(1308, LogLevel.Warning, "Call {CorrelationId}: the store did not take the key's {Settlement} now; it is tried again in the background, and a retry with the key answers in-progress meanwhile")]
    public static partial void IdempotencySettlementDeferred(ILogger logger, string correlationId, string settlement, Exception? exception);

    [LoggerMessage(1309, LogLevel.Information, "Call {CorrelationId}: the key's {Settlement} is stored ({Attempts} attempt(s))")]
    public static partial void IdempotencySettledLater(ILogger logger, string correlationId, string settlement, int attempts);

    [LoggerMessage(1310, LogLevel.Error, "Call {CorrelationId}: the key's {Settlement} could not be stored (the queue was full, or the store did not take it before the gateway stopped); the key answers outcome-unknown once its lease ends")]
    public static partial void IdempotencySettlementAbandoned(ILogger logger, string correlationId, string settlement);

    [LoggerMessage(1311, LogLevel.Warning, "Call {CorrelationId}: the write was not sent: {HeldSeconds:0.0} s passed since its key was claimed, and with its timeout its idempotency lease ({LeaseSeconds:0} s) ran out (the process was held up); the key is released if it is still this call's")]
    public static partial void WriteLeaseRanOut(ILogger logger, string correlationId, double heldSeconds, double leaseSeconds);

    [LoggerMessage(1312, LogLevel.Warning, "Call {CorrelationId}: the write was not sent: {HeldSeconds:0.0} s passed since its key was claimed (the process was held up), and the store no longer holds the claim as this call's ({Reason}); the key is released if it is still this call's")]
    public static partial void WriteClaimNoLongerHeld(ILogger logger, string correlationId, double heldSeconds, string reason);

    [LoggerMessage(1306, LogLevel.Information, "Idempotency purge removed {Count} record(s) created before {CreatedBefore:O}")]
    public static partial void IdempotencyPurged(ILogger logger, int count, DateTimeOffset createdBefore);

    [LoggerMessage(1307, LogLevel.Error, "Idempotency purge failed; it runs again at the next interval")]
    public static partial void IdempotencyPurgeFailed(ILogger logger, Exception exception);
}
