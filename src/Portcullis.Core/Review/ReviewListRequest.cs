namespace Portcullis.Core.Review;

/// <summary>Which reviews to list, oldest first; every filter that is set must match exactly.</summary>
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

    public int Limit { get; init; } = 100;

    /// <summary>The <see cref="ReviewPage.Next"/> of the previous page; null for the first.</summary>
    public string? Cursor { get; init; }
}
