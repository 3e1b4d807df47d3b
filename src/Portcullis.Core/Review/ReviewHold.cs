namespace Portcullis.Core.Review;

/// <summary>
/// What a claim of a review-required write asks the store to hold the record for: a free key is not claimed but held
/// <em>awaiting review</em> under this review, which binds to the record's scope and fingerprint and never changes them.
/// </summary>
/// <param name="Id">The new review's id (<see cref="ReviewIds.New"/>); ignored when the key already holds a record.</param>
/// <param name="Mode">reviewer or caller.</param>
/// <param name="ArgumentsJson">The call's arguments as reviewers see them (key removed, <c>audit.redact</c> fields replaced).</param>
/// <param name="ApprovalsRequired">Distinct approvals that decide it.</param>
/// <param name="ExpiresAt">A review still pending at this time is expired.</param>
/// <param name="DefinitionSha256">
/// The digest of the upstream's definition of the tool now (<see cref="Tools.GatewayTool.DefinitionSha256"/>, the digest a
/// pin records; the gateway's own policy is not in it): stored with a new review, and compared on every later claim, so
/// an approval runs only under the definition it was given for.
/// </param>
/// <param name="MaxPendingPerPrincipal">
/// A free key is held only while the scope's principal has fewer reviews than this pending in the scope's environment
/// (on every connector and tool, in either mode; a review counts from its hold until it is decided or expires); else
/// the claim answers <see cref="Idempotency.ClaimStatus.ReviewLimitReached"/> and stores nothing.
/// </param>
public sealed record ReviewHold(string Id, string Mode, string ArgumentsJson, int ApprovalsRequired, DateTimeOffset ExpiresAt, string DefinitionSha256, int MaxPendingPerPrincipal);
