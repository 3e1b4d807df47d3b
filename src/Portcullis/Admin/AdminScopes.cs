namespace Portcullis.Admin;

/// <summary>The scopes of admin tokens; each names the authorization policy that requires it.</summary>
internal static class AdminScopes
{
    /// <summary>Read the admin API and settle outcome-unknown keys.</summary>
    public const string Admin = "portcullis:admin";

    /// <summary>Decide reviews (human review builds on the admin plane).</summary>
    public const string Review = "portcullis:review";
}
