namespace Portcullis.Core.Review;

/// <summary>What <see cref="Idempotency.IIdempotencyStore.DecideReviewAsync"/> did.</summary>
public enum ReviewDecisionStatus
{
    /// <summary>The review is now decided: denied, or approved by the last approval it needed.</summary>
    Decided,

    /// <summary>The approval was counted; the review waits for more.</summary>
    ApprovalRecorded,

    /// <summary>This reviewer had already approved it; nothing changed.</summary>
    AlreadyApproved,

    /// <summary>It was decided before; nothing changed.</summary>
    AlreadyDecided,

    /// <summary>Its deadline passed before the decision; nothing changed.</summary>
    Expired,

    /// <summary>No review has this id.</summary>
    NotFound,

    /// <summary>
    /// The review is held in another mode than the decision's (the calling user confirmed a review already handed to
    /// reviewers); nothing changed.
    /// </summary>
    OtherMode,
}
