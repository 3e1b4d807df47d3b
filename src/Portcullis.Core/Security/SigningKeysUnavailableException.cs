using Microsoft.IdentityModel.Tokens;

namespace Portcullis.Core.Security;

/// <summary>
/// A token that could not be checked, not a bad one: the identity provider's signing keys have not been fetched since
/// the gateway started (the provider does not answer), so no signature can be verified yet.
/// </summary>
internal sealed class SigningKeysUnavailableException(string message, TimeSpan untilNextFetch) : SecurityTokenException(message)
{
    /// <summary>The whole seconds, at least one, until the keys may next be fetched (<see cref="IKeyRefresh.UntilNextFetch"/>, rounded up).</summary>
    public int RetryAfterSeconds { get; } = Math.Max(1, (int)Math.Ceiling(untilNextFetch.TotalSeconds));
}
