namespace Portcullis.Core.Review;

/// <summary>How a review was decided: approved (by the last approval needed) or denied, by whom, when, and why.</summary>
public sealed record ReviewDecision(bool Approved, string DecidedBy, DateTimeOffset DecidedAt, string? Reason);
