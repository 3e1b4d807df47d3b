namespace Portcullis.Core.Idempotency;

/// <summary>The answer of <see cref="IIdempotencyStore.TryClaimAsync"/>.</summary>
public sealed record ClaimResult
{
    private ClaimResult(ClaimStatus status) => Status = status;

    public ClaimStatus Status { get; }

    /// <summary>For <see cref="ClaimStatus.Claimed"/>: the token that proves ownership to complete, mark unknown or release.</summary>
    public string? Token { get; private init; }

    /// <summary>For <see cref="ClaimStatus.Completed"/>: the stored <c>CallToolResult</c> JSON, exactly as stored.</summary>
    public string? ResultJson { get; private init; }

    /// <summary>The correlation id of the call that claimed the key (not set for <see cref="ClaimStatus.Claimed"/>).</summary>
    public string? OriginalCorrelationId { get; private init; }

    /// <summary>For <see cref="ClaimStatus.InProgress"/>: when the holder's lease ends.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; private init; }

    /// <summary>
    /// The review the record is bound to: for <see cref="ClaimStatus.AwaitingReview"/>, <see cref="ClaimStatus.ReviewDenied"/>,
    /// <see cref="ClaimStatus.ReviewExpired"/> and <see cref="ClaimStatus.ReviewOutdated"/>, and for <see cref="ClaimStatus.Claimed"/> when the claim took an approved hold.
    /// </summary>
    public Review.ReviewRecord? Review { get; private init; }

    public static ClaimResult Claimed(string token, Review.ReviewRecord? approved = null) => new(ClaimStatus.Claimed) { Token = token, Review = approved };

    public static ClaimResult Completed(string resultJson, string originalCorrelationId) =>
        new(ClaimStatus.Completed) { ResultJson = resultJson, OriginalCorrelationId = originalCorrelationId };

    public static ClaimResult InProgress(DateTimeOffset leaseExpiresAt, string originalCorrelationId) =>
        new(ClaimStatus.InProgress) { LeaseExpiresAt = leaseExpiresAt, OriginalCorrelationId = originalCorrelationId };

    public static ClaimResult OutcomeUnknown(string originalCorrelationId) =>
        new(ClaimStatus.OutcomeUnknown) { OriginalCorrelationId = originalCorrelationId };

    /// <summary>A held record answered by its review's state (<see cref="ClaimStatus.AwaitingReview"/>, denied, expired or outdated).</summary>
    public static ClaimResult Held(ClaimStatus status, Review.ReviewRecord review) =>
        new(status) { Review = review, OriginalCorrelationId = review.CorrelationId };

    public static ClaimResult ReviewLimitReached() => new(ClaimStatus.ReviewLimitReached);

    public static ClaimResult Reused(string originalCorrelationId) =>
        new(ClaimStatus.Reused) { OriginalCorrelationId = originalCorrelationId };
}
