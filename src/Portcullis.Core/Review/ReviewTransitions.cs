namespace Portcullis.Core.Review;

/// <summary>
/// The review state machine as a pure function, so every store applies the same rules inside its own atomic step
/// (a transaction, a row lock, a script): pending → approved (once enough distinct reviewers approved) or denied;
/// a decided or expired review changes no more.
/// </summary>
public static class ReviewTransitions
{
    public static (ReviewDecisionStatus Status, ReviewRecord Review) Decide(ReviewRecord review, ReviewDecisionRequest request)
    {
        switch (review.StateAt(request.Now))
        {
            case ReviewState.Approved or ReviewState.Denied:
                return (ReviewDecisionStatus.AlreadyDecided, review);
            case ReviewState.Expired:
                return (ReviewDecisionStatus.Expired, review);
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
