namespace Portcullis.Core.Security;

/// <summary>
/// A source of the identity provider's signing keys that can fetch them again while a request waits: for a token
/// signed with a key it does not know yet, which the provider may have published since the last fetch.
/// </summary>
internal interface IKeyRefresh
{
    /// <summary>
    /// Fetches the keys again, or waits for a fetch already under way; does nothing when the last such fetch is too
    /// recent. True when the keys in use changed, so that a token refused for an unknown key is worth validating again.
    /// </summary>
    Task<bool> RefreshForUnknownKeyAsync();
}
