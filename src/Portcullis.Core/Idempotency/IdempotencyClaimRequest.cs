namespace Portcullis.Core.Idempotency;

/// <summary>One attempt to claim a key: who asks, for which arguments, when, and the lease and retention that apply.</summary>
/// <param name="Scope">The key and everything it is scoped to.</param>
/// <param name="Fingerprint">SHA-256 (hex) of the canonical arguments without the key.</param>
/// <param name="CorrelationId">The claiming call's correlation id, kept so that replays can name the original call.</param>
/// <param name="Now">The current time; stores never read a clock of their own.</param>
/// <param name="Lease">How long an in-progress claim is trusted; after it the outcome is unknown.</param>
/// <param name="Retention">How long a record counts; an older record is treated as absent even before a purge.</param>
public sealed record IdempotencyClaimRequest(
    IdempotencyScope Scope,
    string Fingerprint,
    string CorrelationId,
    DateTimeOffset Now,
    TimeSpan Lease,
    TimeSpan Retention)
{
    /// <summary>
    /// For a tool that needs review: a free key is not claimed but held awaiting this review, and the answer is
    /// <see cref="ClaimStatus.AwaitingReview"/>. A held record has no lease: it never becomes outcome-unknown, since
    /// nothing was sent. A key that already holds a record is judged by that record whatever this says.
    /// </summary>
    public Review.ReviewHold? Review { get; init; }

    /// <summary>
    /// The token a claim made by this request holds the key with. Chosen before the store is asked, so a claim whose
    /// answer was lost (the store failed, or the caller left, while claiming) can still be released by it.
    /// </summary>
    public string Token { get; init; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}
