namespace Portcullis.Core.Review;

/// <summary>A pending caller-mode review handed to reviewers, because the calling user cannot be asked.</summary>
/// <param name="Id">The review.</param>
/// <param name="ApprovalsRequired">Distinct reviewers' approvals that decide it from now on (the tool's <c>review.approvals</c>).</param>
/// <param name="Now">The current time; stores never read a clock of their own.</param>
/// <param name="Retention">Held records created longer ago count as absent.</param>
public sealed record ReviewHandOverRequest(string Id, int ApprovalsRequired, DateTimeOffset Now, TimeSpan Retention);
