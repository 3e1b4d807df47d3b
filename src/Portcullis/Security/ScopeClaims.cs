using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Portcullis.Security;

/// <summary>
/// A token's scopes are its <c>scope</c> claim when it has one, else its <c>scp</c> (<see cref="Core.Security.CallerIdentities"/>
/// reads the identity's claims). A <c>scope</c> that names none (an empty array) leaves no claim in the identity, so
/// the token's <c>scp</c> claims are dropped from it whenever the token has a <c>scope</c> member: they never stand in for it.
/// </summary>
internal static class ScopeClaims
{
    public const string Scope = "scope";

    public const string Scp = "scp";

    public static void KeepScopeOnly(JsonWebToken? token, ClaimsIdentity identity)
    {
        if (token is null || !token.TryGetPayloadValue<object>(Scope, out _))
        {
            return;
        }

        foreach (var claim in identity.FindAll(Scp).ToList())
        {
            identity.TryRemoveClaim(claim);
        }
    }
}
