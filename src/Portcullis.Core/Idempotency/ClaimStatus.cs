namespace Portcullis.Core.Idempotency;

/// <summary>What a claim attempt found.</summary>
public enum ClaimStatus
{
    /// <summary>The key was free (or expired): the caller now holds it and must complete, mark unknown or release it.</summary>
    Claimed,

    /// <summary>A completed call with the same fingerprint: replay its stored result.</summary>
    Completed,

    /// <summary>The same fingerprint is in flight under an unexpired lease.</summary>
    InProgress,

    /// <summary>The same fingerprint was sent upstream and its outcome is unknown (failure after sending, or lease expired).</summary>
    OutcomeUnknown,

    /// <summary>The key is held by a call with other arguments.</summary>
    Reused,

    /// <summary>
    /// The same fingerprint is held awaiting a decision (<see cref="ClaimResult.Review"/>): nothing was sent. Returned
    /// both when this claim created the hold (<see cref="IdempotencyClaimRequest.Review"/> on a free key) and when an
    /// earlier call did. An <em>approved</em> hold is never answered so: the claim takes it (<see cref="Claimed"/>,
    /// with the review), atomically, so that exactly one retry executes.
    /// </summary>
    AwaitingReview,

    /// <summary>The same fingerprint is held by a denied review: never executed.</summary>
    ReviewDenied,

    /// <summary>
    /// The same fingerprint is held by a review that passed its deadline undecided, or by an approval not executed
    /// before <see cref="Review.ReviewRecord.ExecuteBy"/>: never executed.
    /// </summary>
    ReviewExpired,

    /// <summary>
    /// The same fingerprint is held by a review (pending or approved) of another definition of the tool: the upstream
    /// changed the tool since the call was held. Never executed with this key.
    /// </summary>
    ReviewOutdated,

    /// <summary>
    /// The key is free, but its principal already has <see cref="Review.ReviewHold.MaxPendingPerPrincipal"/> reviews
    /// pending in this environment: nothing was held or stored.
    /// </summary>
    ReviewLimitReached,
}
