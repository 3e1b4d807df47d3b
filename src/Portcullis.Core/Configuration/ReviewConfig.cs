namespace Portcullis.Core.Configuration;

/// <summary>The top-level <c>review</c> section: what applies to every review, whichever tool it is for.</summary>
public sealed class ReviewConfig
{
    /// <summary>
    /// Where a summary of each new reviewer-mode review is POSTed (a chat or ticket system's webhook): an https URL
    /// (plain http only on loopback), or a secret reference (<c>env:NAME</c>, <c>file:PATH</c>) to one, since
    /// webhook URLs often carry their credential.
    /// </summary>
    public string? NotifyUrl { get; set; }

    /// <summary>The <c>retry_after_seconds</c> a <c>review_pending</c> answer suggests.</summary>
    public int RetryAfterSeconds { get; set; } = ConfigDefaults.ReviewRetryAfterSeconds;

    /// <summary>
    /// How many reviews one principal may have pending at once in this environment (all connectors, tools and modes):
    /// a call that would hold one more is refused <c>rate_limited</c>, so no caller can flood the reviewers' queue.
    /// </summary>
    public int MaxPendingPerPrincipal { get; set; } = ConfigDefaults.MaxPendingReviewsPerPrincipal;
}
