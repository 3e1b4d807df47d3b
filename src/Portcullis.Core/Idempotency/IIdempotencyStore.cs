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
/// A record held awaiting review (<see cref="IdempotencyClaimRequest.HoldForReview"/>) has no lease and is never
/// outcome-unknown; only a claim naming its approved review (<see cref="IdempotencyClaimRequest.ApprovedReview"/>)
/// takes it, and releasing that claim puts the record back awaiting review (the approval still stands).
/// </remarks>
public interface IIdempotencyStore
{
    /// <summary>Claims the key if it is free or expired, otherwise says what holds it.</summary>
    ValueTask<ClaimResult> TryClaimAsync(IdempotencyClaimRequest request, CancellationToken cancellationToken);

    /// <summary>Stores the outcome of a claimed call; returns false if <paramref name="token"/> no longer holds the key.</summary>
    ValueTask<bool> CompleteAsync(IdempotencyScope scope, string token, string resultJson, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records that the call was sent but its outcome is unknown; returns false if the token no longer holds the key.</summary>
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
}
