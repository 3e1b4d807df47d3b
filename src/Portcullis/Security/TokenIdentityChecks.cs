using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Portcullis.Security;

/// <summary>
/// The checks of a token that passed signature, issuer and lifetime, shared by the MCP endpoints and the admin plane:
/// bound to the one resource it opens and its environment, a subject (and client id) that keys per-principal state
/// unambiguously, and a lifetime within the cap that cannot be stretched by a future <c>iat</c>. Each refusal is a
/// class for the audit trail and the caller (<see cref="TokenRefusalReasons"/>) and a sentence for the log.
/// </summary>
internal static class TokenIdentityChecks
{
    /// <summary>The longest subject or client id, in UTF-8 bytes, that keys per-principal state.</summary>
    public const int MaxIdentityBytes = 255;

    /// <summary>Why the token may not open the resource <paramref name="rules"/> describe, or null.</summary>
    public static (string Class, string Reason)? Refusal(JsonWebToken? token, TokenRules rules, DateTimeOffset now)
    {
        if (token is null)
        {
            return ("malformed", "not a JWT");
        }

        // RFC 7515 4.1.11: a JWS whose crit header names extensions the recipient does not support is invalid. The
        // validator ignores crit, and the gateway supports none.
        if (token.TryGetHeaderValue<object>("crit", out _))
        {
            return ("unsupported_crit", "the header lists critical extensions (crit), which this resource does not support");
        }

        var audiences = token.Audiences;
        if (!audiences.Contains(rules.Audience, StringComparer.Ordinal))
        {
            return ("wrong_audience", "audience is not this resource's URI");
        }

        // A token valid for several resources would open each of them: by default it must name this one only.
        if (!rules.AllowOtherAudiences && audiences.Any(a => !string.Equals(a, rules.Audience, StringComparison.Ordinal)))
        {
            return ("multiple_audiences", "audience names other resources besides this one (a connector allows that with auth.allow_multiple_audiences)");
        }

        if (!token.TryGetPayloadValue<string>(rules.EnvironmentClaim, out var environment)
            || !string.Equals(environment, rules.Environment, StringComparison.Ordinal))
        {
            return ("wrong_environment", $"claim '{rules.EnvironmentClaim}' does not name this resource's environment");
        }

        return Identity(token, rules.SubjectClaim, rules.TtlSeconds, now, rules.ClockSkew);
    }

    private static (string Class, string Reason)? Identity(JsonWebToken token, string subjectClaim, int ttlSeconds, DateTimeOffset now, TimeSpan clockSkew)
    {
        // Per-principal state (idempotency keys, rate limits, reviews) and the review guard are keyed by the subject: a
        // token must name one, as one string under the configured claim. Never a stand-in such as "unknown": every token
        // without it would be one principal. And one value only: of an array the principal would take the first, and a
        // provider's next token may order it otherwise.
        var values = 0;
        foreach (var claim in token.Claims)
        {
            if (string.Equals(claim.Type, subjectClaim, StringComparison.Ordinal))
            {
                // A string that reads as a date is typed DateTime, still one string of the token's.
                values += (claim.ValueType is ClaimValueTypes.String or ClaimValueTypes.DateTime) && claim.Value.Length > 0 ? 1 : 2;
            }
        }

        if (values != 1)
        {
            return ("no_subject", $"{subjectClaim} is missing, empty, not a string or given more than once");
        }

        // The principal's key joins subject and client id with U+001F: a control character in either could make one
        // principal's key another's ("a\u001fb" with no client id is "a" of client "b"). And every store must hold a
        // principal's records: PostgreSQL's unique index takes at most 2704 bytes of a record's scope, and the longest
        // idempotency key is 1020 bytes, so a subject or client id over 255 bytes made every write of that principal
        // fail there (internal) while SQLite and Redis took it. Every value counts, also each element of a claim given
        // as an array (the principal takes the first); one pass over the claims judges both.
        var control = false;
        var tooLong = false;
        foreach (var claim in token.Claims)
        {
            if (claim.Type is "client_id" or "azp" || string.Equals(claim.Type, subjectClaim, StringComparison.Ordinal))
            {
                control |= HasControl(claim.Value);
                tooLong |= Encoding.UTF8.GetByteCount(claim.Value) > MaxIdentityBytes;
            }
        }

        if (control)
        {
            return ("invalid_subject", $"{subjectClaim} or the client id holds a control character");
        }

        if (tooLong)
        {
            return ("subject_too_long", $"{subjectClaim} or the client id is longer than {MaxIdentityBytes} bytes");
        }

        if (!token.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out var exp)
            || !token.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Iat, out var iat))
        {
            return ("no_lifetime", "exp or iat is missing");
        }

        // Checked against the clock too: a token "issued" in ten years with exp ten minutes after would pass the cap
        // on exp - iat and be valid for ten years.
        if (iat > (now + clockSkew).ToUnixTimeSeconds())
        {
            return ("issued_in_future", "iat is later than now (beyond the clock skew)");
        }

        // In 128 bits: exp - iat of two 64-bit claims would wrap (iat = long.MinValue made any exp pass).
        return (Int128)exp - iat > ttlSeconds
            ? ("lifetime_too_long", $"lifetime {exp - iat} s exceeds the cap of {ttlSeconds} s")
            : null;
    }

    private static bool HasControl(string? text) => text is not null && (text.AsSpan().ContainsAnyInRange('\u0000', '\u001f') || text.Contains('\u007f', StringComparison.Ordinal));
}
