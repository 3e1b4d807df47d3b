namespace Portcullis.Core.Review;

/// <summary>One page of reviews and the cursor of the next, if any.</summary>
public sealed record ReviewPage(IReadOnlyList<ReviewRecord> Reviews, string? Next);
