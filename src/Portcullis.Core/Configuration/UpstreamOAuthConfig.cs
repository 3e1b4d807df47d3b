namespace Portcullis.Core.Configuration;

/// <summary>OAuth 2.0 client credentials the gateway uses to call an HTTP upstream.</summary>
public sealed class UpstreamOAuthConfig
{
    public string TokenUrl { get; set; } = "";

    public string ClientId { get; set; } = "";

    /// <summary>A secret reference (<c>env:NAME</c> or <c>file:PATH</c>), resolved at each token request.</summary>
    public string ClientSecret { get; set; } = "";

    public List<string> Scopes { get; set; } = [];
}
