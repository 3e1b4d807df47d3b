using System.Text.Json.Serialization;

namespace Portcullis.Admin;

/// <summary>What the console's dev sign-in answers: the token, whose it is, and for how long.</summary>
internal sealed record DevSignInToken(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("expires_in")] int ExpiresIn);
