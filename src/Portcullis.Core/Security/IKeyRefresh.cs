using Microsoft.IdentityModel.Tokens;

namespace Portcullis.Core.Security;

/// <summary>
/// A source of the identity provider's signing keys that can fetch them again while a request waits: for a token
/// signed with a key it does not know yet, which the provider may have published since the last fetch.
/// </summary>
internal interface IKeyRefresh
{
    /// <summary>The keys a token validated now would be checked against; null before the first fetch.</summary>
    BaseConfiguration? KeysInUse { get; }

    /// <summary>
    /// Whether the keys in use are now other than <paramref name="validatedWith"/>, the ones a token was refused
    /// against for an unknown key, so that it is worth validating again. True at once when another fetch brought new
    /// keys meanwhile (IdentityModel's own refresh after the refusal, or another request's); otherwise fetches the keys
    /// again, or waits for a fetch under way, and does nothing when the last such fetch is too recent.
    /// </summary>
    Task<bool> RefreshForUnknownKeyAsync(BaseConfiguration? validatedWith);
}
