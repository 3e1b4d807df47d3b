namespace Portcullis.Core.Idempotency;

/// <summary>Where a stored key stands, as judged at a given time (an in-progress claim past its lease is outcome-unknown).</summary>
public enum IdempotencyState
{
    InProgress,
    Completed,
    OutcomeUnknown,

    /// <summary>Held for a review (reviewer or caller mode); nothing was sent.</summary>
    AwaitingReview,
}
