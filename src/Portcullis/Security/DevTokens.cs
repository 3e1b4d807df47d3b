using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Portcullis.Security;

/// <summary>Mints access tokens with the embedded development issuer's key; the subject is both <c>sub</c> and, when another, the configured subject claim.</summary>
internal static class DevTokens
{
    public static string Mint(DevSigningKey key, string issuer, string audience, string subject, string subjectClaim, string environmentClaim,
        string environment, IEnumerable<string> scopes, TimeSpan lifetime, DateTimeOffset now)
    {
        var claims = new Dictionary<string, object>
        {
            [environmentClaim] = environment,
            ["scope"] = string.Join(' ', scopes),
            ["client_id"] = "portcullis-dev",
        };
        if (subjectClaim != JwtRegisteredClaimNames.Sub)
        {
            claims[subjectClaim] = subject;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, subject)]),
            Claims = claims,
            TokenType = "at+jwt",
            SigningCredentials = new SigningCredentials(key.Key, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
