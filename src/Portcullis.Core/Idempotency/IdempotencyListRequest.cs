namespace Portcullis.Core.Idempotency;

/// <summary>Which stored keys to list, newest first; every filter that is set must match exactly.</summary>
/// <remarks>Every store reads a stored principal as <see cref="IdempotencyRecordId.Principal(string)"/> does: the subject up to the first U+001F.</remarks>
/// <param name="Now">The time states are judged at (a lease past it is outcome-unknown).</param>
/// <param name="Retention">Records created longer ago count as absent.</param>
public sealed record IdempotencyListRequest(DateTimeOffset Now, TimeSpan Retention)
{
    public const int MaxLimit = 1000;

    public IdempotencyState? State { get; init; }

    /// <summary>The environment the keys were claimed in; the admin plane lists its own gateway's only.</summary>
    public string? Environment { get; init; }

    public string? Connector { get; init; }

    /// <summary>The caller's subject, whatever its client id (a stored principal is the subject, then U+001F and the client id).</summary>
    public string? Subject { get; init; }

    /// <summary>The caller's client id, whatever its subject; a principal stored without one never matches.</summary>
    public string? ClientId { get; init; }

    public string? Tool { get; init; }

    public string? Key { get; init; }

    public int Limit { get; init; } = 100;

    /// <summary>The <see cref="IdempotencyRecordPage.Next"/> of the previous page; null for the newest.</summary>
    public string? Cursor { get; init; }

    /// <summary>True when a stored principal key passes <see cref="Subject"/> and <see cref="ClientId"/>.</summary>
    public bool MatchesPrincipal(string principal) => IdempotencyRecordId.MatchesPrincipal(principal, Subject, ClientId);
}
