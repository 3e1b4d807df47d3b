namespace Portcullis.Core.Idempotency;

/// <summary>Which stored keys to list, newest first; every filter that is set must match exactly.</summary>
/// <param name="Now">The time states are judged at (a lease past it is outcome-unknown).</param>
/// <param name="Retention">Records created longer ago count as absent.</param>
public sealed record IdempotencyListRequest(DateTimeOffset Now, TimeSpan Retention)
{
    public const int MaxLimit = 1000;

    public IdempotencyState? State { get; init; }

    public string? Connector { get; init; }

    public string? Principal { get; init; }

    public string? Tool { get; init; }

    public string? Key { get; init; }

    public int Limit { get; init; } = 100;

    /// <summary>The <see cref="IdempotencyRecordPage.Next"/> of the previous page; null for the newest.</summary>
    public string? Cursor { get; init; }
}
