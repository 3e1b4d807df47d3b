namespace Portcullis.Core.Configuration;

/// <summary>Who approves a reviewed call.</summary>
public static class ReviewModes
{
    /// <summary>A reviewer other than the caller, on the admin plane (<c>portcullis:review</c>).</summary>
    public const string Reviewer = "reviewer";

    /// <summary>The calling user, asked to confirm the exact call through elicitation.</summary>
    public const string Caller = "caller";
}
