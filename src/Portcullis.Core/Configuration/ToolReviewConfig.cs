namespace Portcullis.Core.Configuration;

/// <summary>
/// <c>tools.&lt;name&gt;.review</c>: whether a person must approve each call of a write tool before it is sent, and how.
/// Declaring the section means review is wanted; <c>"required": false</c> waives it explicitly.
/// </summary>
public sealed class ToolReviewConfig
{
    public const int DefaultExpiresSeconds = 3600;

    public bool Required { get; set; } = true;

    /// <summary><see cref="ReviewModes.Reviewer"/> (someone else decides on the admin plane) or <see cref="ReviewModes.Caller"/> (the calling user confirms through elicitation).</summary>
    public string Mode { get; set; } = ReviewModes.Reviewer;

    /// <summary>How many distinct reviewers must approve (reviewer mode).</summary>
    public int Approvals { get; set; } = 1;

    /// <summary>How long a review waits for its decision; after that the call answers <c>review_expired</c>.</summary>
    public int ExpiresSeconds { get; set; } = DefaultExpiresSeconds;

    /// <summary>Caller mode: a client that cannot be asked (no elicitation) gets a reviewer-mode review instead of <c>review_unavailable</c>.</summary>
    public bool FallbackToReviewer { get; set; }
}
