using System.Buffers.Text;
using System.Text.Json;
using Portcullis.Core.State;

namespace Portcullis.Core.Idempotency;

/// <summary>
/// The opaque id of a stored key in the admin API: the scope's five parts as a base64url JSON array, so a principal
/// or key with any characters fits in a URL segment.
/// </summary>
public static class IdempotencyRecordId
{
    public static string From(IdempotencyScope scope) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(
            [scope.Environment, scope.Connector, scope.Principal, scope.Tool, scope.Key], IdempotencyJsonContext.Default.StringArray));

    public static bool TryParse(string id, out IdempotencyScope scope)
    {
        scope = null!;
        try
        {
            var parts = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(id), IdempotencyJsonContext.Default.StringArray);
            // Parts that no store keeps (a NUL, a lone surrogate) name no stored key: PostgreSQL would refuse the query.
            if (parts is not { Length: 5 } || parts.Any(p => p is null || !StoredText.IsStorable(p)))
            {
                return false;
            }

            scope = new IdempotencyScope(parts[0], parts[1], parts[2], parts[3], parts[4]);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return false;
        }
    }

    /// <summary>The subject and client id a scope's principal key was made of (see <c>CallerIdentity.Key</c>).</summary>
    public static (string Subject, string? ClientId) Principal(IdempotencyScope scope) => Principal(scope.Principal);

    /// <summary>The subject and client id a stored principal key was made of: split at its first U+001F.</summary>
    public static (string Subject, string? ClientId) Principal(string principal)
    {
        var separator = principal.IndexOf('\u001f', StringComparison.Ordinal);
        return separator < 0 ? (principal, null) : (principal[..separator], principal[(separator + 1)..]);
    }

    /// <summary>
    /// True when a stored principal key is the caller <paramref name="subject"/> names (whatever its client id) made
    /// through <paramref name="clientId"/> (whatever its subject; a key without one never matches); a filter left null
    /// passes every key. The admin lists' <c>principal</c> and <c>client_id</c>.
    /// </summary>
    public static bool MatchesPrincipal(string principal, string? subject, string? clientId)
    {
        var (storedSubject, storedClientId) = Principal(principal);
        return (subject is null || string.Equals(storedSubject, subject, StringComparison.Ordinal))
            && (clientId is null || string.Equals(storedClientId, clientId, StringComparison.Ordinal));
    }
}
