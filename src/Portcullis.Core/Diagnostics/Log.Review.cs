using Microsoft.Extensions.Logging;

namespace Portcullis.Core.Diagnostics;

/// <summary>Human review: event ids 1700–1799.</summary>
internal static partial class Log
{
    [LoggerMessage(1701, LogLevel.Information, "Call {CorrelationId}: {Connector}/{Tool} held for review {ReviewId} ({Mode} mode)")]
    public static partial void ReviewHeld(ILogger logger, string correlationId, string connector, string tool, string reviewId, string mode);

    [LoggerMessage(1702, LogLevel.Information, "Review {ReviewId} of {Connector}/{Tool}: {Outcome} by {Reviewer}")]
    public static partial void ReviewDecided(ILogger logger, string reviewId, string connector, string tool, string outcome, string reviewer);

    [LoggerMessage(1703, LogLevel.Warning, "Review {ReviewId}: the review webhook failed after every attempt; reviewers must find it on the admin plane")]
    public static partial void ReviewNotifyFailed(ILogger logger, string reviewId, Exception? exception);

    [LoggerMessage(1708, LogLevel.Error, "Review {ReviewId}: review.notify_url resolves to nothing now, or to a URL that is neither https nor loopback http; this review is not announced")]
    public static partial void ReviewNotifyUnresolved(ILogger logger, string reviewId);

    [LoggerMessage(1704, LogLevel.Warning, "Review {ReviewId}: the review webhook queue is full (1,000 reviews, or 64 MiB of their arguments); this review is not announced")]
    public static partial void ReviewNotifyDropped(ILogger logger, string reviewId);

    [LoggerMessage(1705, LogLevel.Warning, "Call {CorrelationId}: asking the caller to confirm review {ReviewId} failed ({Reason})")]
    public static partial void ReviewElicitationFailed(ILogger logger, string correlationId, string reviewId, string reason);

    [LoggerMessage(1707, LogLevel.Information, "Call {CorrelationId}: review {ReviewId} of {Connector}/{Tool} handed to reviewers: the calling user cannot be asked from this client (fallback_to_reviewer)")]
    public static partial void ReviewHandedOver(ILogger logger, string correlationId, string connector, string tool, string reviewId);

    [LoggerMessage(1706, LogLevel.Information, "Call {CorrelationId}: review {ReviewId} approved; executing the held call")]
    public static partial void ReviewExecuting(ILogger logger, string correlationId, string reviewId);
}
