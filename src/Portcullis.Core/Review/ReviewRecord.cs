using Portcullis.Core.Idempotency;

namespace Portcullis.Core.Review;

/// <summary>
/// One review: the held call it is bound to (scope and arguments fingerprint), what reviewers see of its arguments,
/// its deadline, and the approvals and decision so far.
/// </summary>
/// <param name="Id">Unguessable id, chosen by the gateway when it holds the call.</param>
/// <param name="Scope">The idempotency record the review binds to: environment, connector, principal, tool, key.</param>
/// <param name="Fingerprint">SHA-256 of the canonical arguments without the key, as in the idempotency record.</param>
/// <param name="Mode">reviewer or caller.</param>
/// <param name="ArgumentsJson">The call's arguments as reviewers see them (the key removed, <c>audit.redact</c> fields replaced).</param>
/// <param name="CorrelationId">The call that asked for the review.</param>
/// <param name="CreatedAt">When the call was held.</param>
/// <param name="ExpiresAt">A review still pending at this time is expired.</param>
/// <param name="ApprovalsRequired">Distinct approvals that decide it.</param>
public sealed record ReviewRecord(
    string Id,
    IdempotencyScope Scope,
    string Fingerprint,
    string Mode,
    string ArgumentsJson,
    string CorrelationId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    int ApprovalsRequired)
{
    /// <summary>Approvals so far, oldest first, one per reviewer.</summary>
    public IReadOnlyList<ReviewApproval> Approvals { get; init; } = [];

    /// <summary>The decision, once taken.</summary>
    public ReviewDecision? Decision { get; init; }

    /// <summary>
    /// The digest of the tool's definition when the call was held; null for a review stored before reviews were bound
    /// to it.
    /// </summary>
    public string? DefinitionSha256 { get; init; }

    /// <summary>
    /// Until when an approval may be executed: as long after the decision as the review had to be decided, so an
    /// approval is acted on while it is fresh and never days later by a retry nobody expects.
    /// </summary>
    public DateTimeOffset? ExecuteBy => Decision is { Approved: true } decision ? decision.DecidedAt + (ExpiresAt - CreatedAt) : null;

    /// <summary>
    /// True once a claim answered the review expired (undecided past its deadline, or approved and not executed by
    /// <see cref="ExecuteBy"/>): from then on it is expired whatever time a later request carries. Replicas stamp their
    /// requests with the store's time as each measures it, so one stamped earlier may reach the store later; the agent
    /// was told the call will never run, and a late decision or retry must not make it run.
    /// </summary>
    public bool Lapsed { get; init; }

    /// <summary>Where the review stands at <paramref name="now"/> (an approval that lapsed still reads approved: <see cref="Lapsed"/> says it may not run).</summary>
    public ReviewState StateAt(DateTimeOffset now) => Decision switch
    {
        { Approved: true } => ReviewState.Approved,
        { Approved: false } => ReviewState.Denied,
        _ => Lapsed || now >= ExpiresAt ? ReviewState.Expired : ReviewState.Pending,
    };
}
