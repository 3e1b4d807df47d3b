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

    /// <summary>For <see cref="ClaimStatus.AwaitingReview"/>: the review the held record is bound to.</summary>
    public string? ReviewId { get; private init; }

    public static ClaimResult Claimed(string token) => new(ClaimStatus.Claimed) { Token = token };

    public static ClaimResult Completed(string resultJson, string originalCorrelationId) =>
        new(ClaimStatus.Completed) { ResultJson = resultJson, OriginalCorrelationId = originalCorrelationId };

    public static ClaimResult InProgress(DateTimeOffset leaseExpiresAt, string originalCorrelationId) =>
        new(ClaimStatus.InProgress) { LeaseExpiresAt = leaseExpiresAt, OriginalCorrelationId = originalCorrelationId };

    public static ClaimResult OutcomeUnknown(string originalCorrelationId) =>
        new(ClaimStatus.OutcomeUnknown) { OriginalCorrelationId = originalCorrelationId };

    public static ClaimResult AwaitingReview(string reviewId, string originalCorrelationId) =>
        new(ClaimStatus.AwaitingReview) { ReviewId = reviewId, OriginalCorrelationId = originalCorrelationId };

    public static ClaimResult Reused(string originalCorrelationId) =>
        new(ClaimStatus.Reused) { OriginalCorrelationId = originalCorrelationId };
}
