namespace Portcullis.Core.Idempotency;

/// <summary>
/// Durable idempotency records. Every method is one atomic step, so that SQLite (one transaction), PostgreSQL
/// (<c>INSERT … ON CONFLICT … RETURNING</c>) and Redis (one script) can implement it without races.
/// </summary>
/// <remarks>
/// Stores never read a clock: every time comes from the caller. A record whose creation is older than the
/// retention is treated as absent, whether or not <see cref="PurgeAsync"/> has removed it yet. An in-progress
/// record whose lease has passed answers <see cref="ClaimStatus.OutcomeUnknown"/>, never <see cref="ClaimStatus.Claimed"/>.
/// A different fingerprint answers <see cref="ClaimStatus.Reused"/> whatever the record's state.
/// A record held awaiting review (<see cref="IdempotencyClaimRequest.Review"/>) is the review: it has no lease and is
/// never outcome-unknown. Its review moves once, atomically: pending → approved or denied (<see cref="DecideReviewAsync"/>),
/// pending → expired (judged from its deadline). A claim that answers a review expired (pending past its deadline, or
/// approved past its time to execute) marks it <see cref="Review.ReviewRecord.Lapsed"/> in the same atomic step, so a
/// decision or a claim stamped earlier that reaches the store later neither decides nor takes it. The first claim
/// that finds it approved takes it (approved → in progress, exactly once); releasing that claim puts it back approved,
/// so a later retry may still execute it. A free key is held only while its principal has fewer than
/// <see cref="Review.ReviewHold.MaxPendingPerPrincipal"/> reviews pending in its environment
/// (<see cref="ClaimStatus.ReviewLimitReached"/> otherwise, nothing stored).
/// </remarks>
public interface IIdempotencyStore
{
    /// <summary>Claims the key if it is free or expired, otherwise says what holds it.</summary>
    ValueTask<ClaimResult> TryClaimAsync(IdempotencyClaimRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Stores the outcome of a claimed call; returns false if <paramref name="token"/> no longer holds the key in progress
    /// (lost, or settled by an operator), true also when the key already holds this result of this token (stored again).
    /// </summary>
    ValueTask<bool> CompleteAsync(IdempotencyScope scope, string token, string resultJson, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records that the call was sent but its outcome is unknown; returns false if the token no longer holds the key (true if it already marked it so).</summary>
    ValueTask<bool> MarkUnknownAsync(IdempotencyScope scope, string token, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Forgets a claim whose call never reached the upstream (a claim of an approved review goes back to awaiting
    /// review instead); returns false if the token no longer holds the key.
    /// </summary>
    ValueTask<bool> ReleaseAsync(IdempotencyScope scope, string token, CancellationToken cancellationToken);

    /// <summary>Deletes records created before <paramref name="createdBefore"/>; returns how many.</summary>
    ValueTask<int> PurgeAsync(DateTimeOffset createdBefore, CancellationToken cancellationToken);

    /// <summary>The record of one key as judged at <paramref name="now"/>, or null when absent or past retention.</summary>
    ValueTask<IdempotencyRecord?> GetAsync(IdempotencyScope scope, DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken);

    /// <summary>Records matching the request's filters (state judged at its time), newest first, one page.</summary>
    ValueTask<IdempotencyRecordPage> ListAsync(IdempotencyListRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Settles an outcome-unknown key atomically: executed stores the given result as the key's outcome, with the
    /// resolution; not executed deletes the record so the next claim succeeds. Any other state changes nothing.
    /// </summary>
    ValueTask<ResolveStatus> ResolveAsync(IdempotencyResolveRequest request, CancellationToken cancellationToken);

    /// <summary>The review with this id as judged at <paramref name="now"/>, or null when absent or past retention.</summary>
    ValueTask<Review.ReviewRecord?> GetReviewAsync(string id, DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken);

    /// <summary>Reviews matching the request's filters (state judged at its time), oldest first, one page.</summary>
    ValueTask<Review.ReviewPage> ListReviewsAsync(Review.ReviewListRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Records one reviewer's decision atomically: a denial decides the review; an approval is counted once per
    /// reviewer and decides it when the required number is reached. A decided or expired review changes no more.
    /// Policy (who may decide) is the caller's; the store only keeps the state machine.
    /// </summary>
    ValueTask<Review.ReviewDecisionResult> DecideReviewAsync(Review.ReviewDecisionRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Hands a pending caller-mode review to reviewers atomically (<see cref="Review.ReviewTransitions.HandOver"/>): the
    /// review as it is now held, or null when it was none to hand over (gone, decided, expired, or handed over already).
    /// </summary>
    ValueTask<Review.ReviewRecord?> HandOverReviewAsync(Review.ReviewHandOverRequest request, CancellationToken cancellationToken);
}
