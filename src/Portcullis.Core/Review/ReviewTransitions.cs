using Portcullis.Core.Configuration;
using Portcullis.Core.Idempotency;

namespace Portcullis.Core.Review;

/// <summary>
/// The review state machine as a pure function, so every store applies the same rules inside its own atomic step
/// (a transaction, a row lock, a script): pending → approved (once enough distinct reviewers approved) or denied;
/// a pending caller-mode review may be handed to reviewers once; a decided or expired review changes no more. <see cref="Judge"/> says what a claim of the held record gets.
/// </summary>
public static class ReviewTransitions
{
    /// <summary>
    /// What a claim finds in a held record: <see cref="ClaimStatus.Claimed"/> when the approval may run now (the store
    /// then takes it, atomically, once); otherwise the answer, and the record stays as it is.
    /// </summary>
    /// <param name="review">The held record's review.</param>
    /// <param name="request">The claim; its <see cref="IdempotencyClaimRequest.Review"/> carries the tool's definition now.</param>
    public static ClaimStatus Judge(ReviewRecord review, IdempotencyClaimRequest request)
    {
        var state = review.StateAt(request.Now);
        switch (state)
        {
            case ReviewState.Denied:
                return ClaimStatus.ReviewDenied;
            case ReviewState.Expired:
                return ClaimStatus.ReviewExpired;
            case ReviewState.Approved when review.Lapsed:
                return ClaimStatus.ReviewExpired;
        }

        // Pending or approved, a review of another definition of the tool cannot let this call run: say so now, rather
        // than wait for (or ask the calling user for) an approval that would not count.
        if (review.DefinitionSha256 is { } heldUnder && request.Review?.DefinitionSha256 is { } now
            && !string.Equals(heldUnder, now, StringComparison.Ordinal))
        {
            return ClaimStatus.ReviewOutdated;
        }

        if (state == ReviewState.Pending)
        {
            return ClaimStatus.AwaitingReview;
        }

        return request.Now >= review.ExecuteBy ? ClaimStatus.ReviewExpired : ClaimStatus.Claimed;
    }

    /// <summary>
    /// True when a claim judged <paramref name="review"/> expired and no claim had answered so before: the store marks it
    /// <see cref="ReviewRecord.Lapsed"/> in the same atomic step as the answer (or, if the review changed meanwhile, reads
    /// it again), so no decision or retry stamped earlier that reaches the store later makes it run.
    /// </summary>
    public static bool Lapses(ReviewRecord review, ClaimStatus judged) => judged == ClaimStatus.ReviewExpired && !review.Lapsed;

    /// <summary>
    /// A caller-mode review still pending, handed to reviewers (the calling user cannot be asked, and the tool falls back
    /// to a reviewer): held in reviewer mode from now on, needing <see cref="ReviewHandOverRequest.ApprovalsRequired"/>
    /// approvals, with its deadline unchanged. Null when it is no pending caller-mode review (decided, expired, or
    /// handed over already): nothing changes.
    /// </summary>
    public static ReviewRecord? HandOver(ReviewRecord review, ReviewHandOverRequest request) =>
        review.StateAt(request.Now) == ReviewState.Pending && review.Mode == ReviewModes.Caller
            ? review with { Mode = ReviewModes.Reviewer, ApprovalsRequired = request.ApprovalsRequired }
            : null;

    public static (ReviewDecisionStatus Status, ReviewRecord Review) Decide(ReviewRecord review, ReviewDecisionRequest request)
    {
        switch (review.StateAt(request.Now))
        {
            case ReviewState.Approved or ReviewState.Denied:
                return (ReviewDecisionStatus.AlreadyDecided, review);
            case ReviewState.Expired:
                return (ReviewDecisionStatus.Expired, review);
        }

        if (request.Mode is { } mode && !string.Equals(review.Mode, mode, StringComparison.Ordinal))
        {
            return (ReviewDecisionStatus.OtherMode, review);
        }

        if (!request.Approve)
        {
            return (ReviewDecisionStatus.Decided, review with { Decision = new ReviewDecision(false, request.Reviewer, request.Now, request.Reason) });
        }

        if (review.Approvals.Any(a => string.Equals(a.Reviewer, request.Reviewer, StringComparison.Ordinal)))
        {
            return (ReviewDecisionStatus.AlreadyApproved, review);
        }

        var approvals = review.Approvals.Append(new ReviewApproval(request.Reviewer, request.Now, request.Reason)).ToArray();
        return approvals.Length >= review.ApprovalsRequired
            ? (ReviewDecisionStatus.Decided, review with { Approvals = approvals, Decision = new ReviewDecision(true, request.Reviewer, request.Now, request.Reason) })
            : (ReviewDecisionStatus.ApprovalRecorded, review with { Approvals = approvals });
    }
}
