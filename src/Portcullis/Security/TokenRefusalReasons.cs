using Microsoft.IdentityModel.Tokens;
using Portcullis.Core.Security;

namespace Portcullis.Security;

/// <summary>
/// The reason class of a refused token, for logs, the audit trail and the caller: what was wrong, never the token.
/// </summary>
internal static class TokenRefusalReasons
{
    public const string Missing = "missing_token";

    public const string NotBearer = "not_bearer";

    public const string Invalid = "invalid";

    /// <summary>Not a refusal of the token: the identity provider's keys could not be fetched, so it could not be checked.</summary>
    public const string KeysUnavailable = "keys_unavailable";

    /// <summary>
    /// How long a caller refused for <see cref="KeysUnavailable"/> is told to wait when the refusal does not say how
    /// long until the keys may next be fetched (it always does: <see cref="TokenRefusal.RetryAfterSeconds"/>).
    /// </summary>
    public const int KeysUnavailableRetrySeconds = 5;

    public static string Classify(Exception exception) => exception switch
    {
        SigningKeysUnavailableException => KeysUnavailable,
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
        _ => Invalid,
    };

    /// <summary>
    /// What the caller is told about a refused token (RFC 6750 <c>error_description</c> and the error's message): the
    /// class in words, naming claims but never their expected values. Plain ASCII without quotes or backslashes.
    /// </summary>
    public static string Describe(string reasonClass) => reasonClass switch
    {
        Missing => "no bearer token was sent",
        NotBearer => "the Authorization header is not a bearer token",
        AuthorizationHeader.Several => "more than one Authorization header was sent",
        AuthorizationHeader.TooLong => $"the Authorization header is longer than {AuthorizationHeader.MaxLength} bytes",
        KeysUnavailable => "the authorization server's signing keys could not be fetched, so the token could not be checked yet",
        "malformed" => "the token is not a well-formed JWT",
        "unsupported_crit" => "the token's header lists critical extensions (crit) that are not supported",
        "expired" => "the token has expired",
        "not_yet_valid" => "the token is not valid yet (nbf)",
        "wrong_issuer" => "the token is not from the authorization server named in the resource metadata",
        "unknown_signing_key" => "the token is signed with a key the authorization server does not publish",
        "bad_signature" => "the token's signature does not verify",
        "bad_algorithm" => "the token is signed with an algorithm that is not accepted",
        "no_lifetime" => "the token lacks exp or iat",
        "bad_lifetime" => "the token's exp is not after its nbf",
        "wrong_audience" => "the token's audience (aud) is not this resource's URI",
        "multiple_audiences" => "the token's audience (aud) names other resources besides this one",
        "wrong_environment" => "the token is for another environment than this resource's",
        "no_subject" => "the token has no subject (its subject claim is missing or not one string)",
        "invalid_subject" => "the token's subject or client id holds a control character",
        "subject_too_long" => $"the token's subject or client id is longer than {TokenIdentityChecks.MaxIdentityBytes} bytes",
        "issued_in_future" => "the token's iat is in the future",
        "lifetime_too_long" => "the token's lifetime (exp - iat) is longer than this resource accepts",
        _ => "the token was refused",
    };
}
