namespace Portcullis.Core.Configuration;

/// <summary>The top-level <c>review</c> section: what applies to every review, whichever tool it is for.</summary>
public sealed class ReviewConfig
{
    public const int DefaultRetryAfterSeconds = 30;

    /// <summary>
    /// Where a summary of each new reviewer-mode review is POSTed (a chat or ticket system's webhook): an https URL
    /// (plain http only on loopback), or a secret reference (<c>env:NAME</c>, <c>file:PATH</c>) to one, since
    /// webhook URLs often carry their credential.
    /// </summary>
    public string? NotifyUrl { get; set; }

    /// <summary>The <c>retry_after_seconds</c> a <c>review_pending</c> answer suggests.</summary>
    public int RetryAfterSeconds { get; set; } = DefaultRetryAfterSeconds;
}
