namespace Portcullis.Diagnostics;

/// <summary>Idempotency events of the executable: ids 2300–2399.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(2301, LogLevel.Information, "Idempotency purge removed {Count} record(s) created before {CreatedBefore:O}")]
    public static partial void IdempotencyPurged(ILogger logger, int count, DateTimeOffset createdBefore);

    [LoggerMessage(2302, LogLevel.Error, "Idempotency purge failed; it runs again at the next interval")]
    public static partial void IdempotencyPurgeFailed(ILogger logger, Exception exception);
}
