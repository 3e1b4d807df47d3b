using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Portcullis.Core.Idempotency;

/// <summary>
/// SHA-256 of the RFC 8785 canonical JSON of a call's arguments without the idempotency key, a long integer literal kept
/// apart from the same value written as a decimal (see <see cref="CanonicalJson.TryWrite"/>).
/// </summary>
internal static class Fingerprint
{
    /// <summary>The lowercase hex fingerprint, or null when the arguments are not I-JSON.</summary>
    public static string? Compute(IEnumerable<KeyValuePair<string, JsonElement>> arguments)
    {
        var canonical = new StringBuilder(256);
        if (!CanonicalJson.TryWriteObject(arguments, canonical, integerSpelling: true))
        {
            return null;
        }

        var bytes = Encoding.UTF8.GetBytes(canonical.ToString());
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
