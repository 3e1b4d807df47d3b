namespace Portcullis.Core.Review;

/// <summary>One reviewer's approval: who, when, and why.</summary>
public sealed record ReviewApproval(string Reviewer, DateTimeOffset At, string? Reason);
