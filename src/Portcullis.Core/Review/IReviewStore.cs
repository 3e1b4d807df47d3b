namespace Portcullis.Core.Review;

/// <summary>
/// Durable reviews: the pending list, approvals by distinct reviewers, and decisions with their reasons. Every method
/// is one atomic step, so SQLite (one transaction), PostgreSQL (one statement or a row lock) and Redis (one script)
/// can implement it without races; the one contract suite holds every store to it.
/// </summary>
/// <remarks>
/// Stores never read a clock: expiry is judged from the stored <see cref="ReviewRecord.ExpiresAt"/> at the time the
/// caller passes. A review is bound to one held idempotency record (its scope and fingerprint) and never changes
/// that binding; only its approvals and decision change, once.
/// </remarks>
public interface IReviewStore
{
    /// <summary>Stores <paramref name="review"/> unless a review with its id exists; returns the stored one either way.</summary>
    ValueTask<ReviewRecord> CreateAsync(ReviewRecord review, CancellationToken cancellationToken);

    /// <summary>The review with this id, or null.</summary>
    ValueTask<ReviewRecord?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Reviews matching the request's filters (state judged at its time), oldest first, one page.</summary>
    ValueTask<ReviewPage> ListAsync(ReviewListRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Records one reviewer's decision atomically: a denial decides the review; an approval is counted once per
    /// reviewer and decides it when the required number is reached. A decided or expired review changes no more.
    /// </summary>
    ValueTask<ReviewDecisionResult> DecideAsync(ReviewDecisionRequest request, CancellationToken cancellationToken);

    /// <summary>Deletes reviews created before <paramref name="createdBefore"/>; returns how many.</summary>
    ValueTask<int> PurgeAsync(DateTimeOffset createdBefore, CancellationToken cancellationToken);
}
