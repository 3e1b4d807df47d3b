using System.Text.Json.Serialization;

namespace Portcullis.Core.Upstreams.Credentials;

/// <summary>The fields of an OAuth token response (RFC 6749 §5.1) the gateway uses.</summary>
internal sealed class TokenResponse
{
    [JsonPropertyName("access_token")]
    public string? AccessToken { get; set; }

    [JsonPropertyName("expires_in")]
    public double? ExpiresIn { get; set; }
}
