using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Portcullis.Security;

/// <summary>Mints access tokens with the embedded development issuer's key.</summary>
internal static class DevTokens
{
    public static string Mint(DevSigningKey key, string issuer, string audience, string subject, string environmentClaim,
        string environment, IEnumerable<string> scopes, TimeSpan lifetime, DateTimeOffset now)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, subject)]),
            Claims = new Dictionary<string, object>
            {
                [environmentClaim] = environment,
                ["scope"] = string.Join(' ', scopes),
                ["client_id"] = "portcullis-dev",
            },
            TokenType = "at+jwt",
            SigningCredentials = new SigningCredentials(key.Key, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
