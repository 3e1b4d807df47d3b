using Microsoft.IdentityModel.Tokens;

namespace Portcullis.Security;

/// <summary>The reason class of a refused token, for logs and the audit trail: what was wrong, never the token.</summary>
internal static class TokenRefusalReasons
{
    public const string Missing = "missing_token";

    public static string Classify(Exception exception) => exception switch
    {
        SecurityTokenExpiredException => "expired",
        SecurityTokenNotYetValidException => "not_yet_valid",
        SecurityTokenInvalidAudienceException => "wrong_audience",
        SecurityTokenInvalidIssuerException => "wrong_issuer",
        SecurityTokenSignatureKeyNotFoundException => "unknown_signing_key",
        SecurityTokenInvalidSignatureException => "bad_signature",
        SecurityTokenInvalidAlgorithmException => "bad_algorithm",
        SecurityTokenNoExpirationException => "no_lifetime",
        SecurityTokenInvalidLifetimeException => "bad_lifetime",
        SecurityTokenMalformedException or ArgumentException => "malformed",
        _ => "invalid",
    };
}
