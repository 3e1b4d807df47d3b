namespace Portcullis.Core.Review;

/// <summary>Which reviews to list, oldest first; every filter that is set must match exactly.</summary>
/// <remarks>Every store reads a stored principal as <see cref="Idempotency.IdempotencyRecordId.Principal(string)"/> does: the subject up to the first U+001F.</remarks>
/// <param name="Now">The time states are judged at (pending past its deadline is expired).</param>
/// <param name="Retention">Held records created longer ago count as absent, as in the idempotency records.</param>
public sealed record ReviewListRequest(DateTimeOffset Now, TimeSpan Retention)
{
    public const int MaxLimit = 500;

    public ReviewState? State { get; init; }

    /// <summary>The environment the reviews were held in; the admin plane lists its own gateway's only.</summary>
    public string? Environment { get; init; }

    public string? Connector { get; init; }

    public string? Tool { get; init; }

    /// <summary>The caller's subject, whatever its client id.</summary>
    public string? Subject { get; init; }

    /// <summary>The caller's client id, whatever its subject; a principal stored without one never matches.</summary>
    public string? ClientId { get; init; }

    public int Limit { get; init; } = 100;

    /// <summary>The <see cref="ReviewPage.Next"/> of the previous page; null for the first.</summary>
    public string? Cursor { get; init; }

    /// <summary>True when a stored principal key passes <see cref="Subject"/> and <see cref="ClientId"/>.</summary>
    public bool MatchesPrincipal(string principal) => Idempotency.IdempotencyRecordId.MatchesPrincipal(principal, Subject, ClientId);
}
