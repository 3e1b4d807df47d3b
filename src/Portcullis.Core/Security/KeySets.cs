using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Portcullis.Core.Security;

/// <summary>Whether two fetches of the provider's keys brought the same keys: the same issuer and key material.</summary>
internal static class KeySets
{
    public static bool Same(OpenIdConnectConfiguration a, OpenIdConnectConfiguration b) =>
        string.Equals(a.Issuer, b.Issuer, StringComparison.Ordinal)
        && a.SigningKeys.Count == b.SigningKeys.Count
        && Identities(a).SetEquals(Identities(b));

    /// <summary>The key ids, for the log.</summary>
    public static string Ids(OpenIdConnectConfiguration configuration) =>
        string.Join(", ", configuration.SigningKeys.Select(k => k.KeyId ?? "(no kid)"));

    private static HashSet<string> Identities(OpenIdConnectConfiguration configuration) =>
        (configuration.JsonWebKeySet?.Keys ?? []).Select(Identity).ToHashSet(StringComparer.Ordinal);

    /// <summary>Every member that names a key or carries its material, joined by a character none of them holds.</summary>
    private static string Identity(JsonWebKey key) => string.Join(
        '\u001f',
        key.Kid, key.Kty, key.Alg, key.Use, key.N, key.E, key.Crv, key.X, key.Y, key.K,
        string.Join(',', key.X5c), key.X5t, key.X5tS256, string.Join(',', key.KeyOps));
}
