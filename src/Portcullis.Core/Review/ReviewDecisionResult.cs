namespace Portcullis.Core.Review;

/// <summary>The answer of <see cref="Idempotency.IIdempotencyStore.DecideReviewAsync"/>: what happened, and the review as it now stands (null when not found).</summary>
public sealed record ReviewDecisionResult(ReviewDecisionStatus Status, ReviewRecord? Review);
