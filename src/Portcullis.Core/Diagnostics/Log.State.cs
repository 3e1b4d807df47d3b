using Microsoft.Extensions.Logging;

namespace Portcullis.Core.Diagnostics;

/// <summary>Shared-state events: ids 1800–1899.</summary>
internal static partial class Log
{
    [LoggerMessage(1801, LogLevel.Warning, "Recording which replica holds a pending multi round-trip call failed; it is recorded again every second while the call waits, and a retry reaching another replica meanwhile is answered state_unavailable")]
    public static partial void PendingCallRouteFailed(ILogger logger, Exception exception);

    [LoggerMessage(1802, LogLevel.Warning, "The {Store} store does not answer, or did not moments ago (what a request continues may not be stored again yet): {Count} request(s) answered state_unavailable since the last report (reported at most every {IntervalSeconds} s); the latest, {CorrelationId}: {Reason}")]
    public static partial void StateUnavailable(ILogger logger, string store, long count, int intervalSeconds, string correlationId, string reason, Exception exception);

    [LoggerMessage(1803, LogLevel.Information, "Which replica holds a pending multi round-trip call is recorded now, after {Attempts} more attempt(s): a retry reaching another replica is forwarded here")]
    public static partial void PendingCallRouteRecordedLater(ILogger logger, int attempts);
}
