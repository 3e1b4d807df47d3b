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
    public static string? Compute(IEnumerable<KeyValuePair<string, JsonElement>> arguments) => Hash(arguments, integerSpelling: true);

    /// <summary>
    /// The fingerprint keys were stored under before a long integer literal had a form of its own (before 2026-12-05):
    /// the same as <see cref="Compute"/> unless the arguments hold an integer of 16 digits or more, however spelled. Only
    /// for answering a retry of a call stored then, never for taking a key; no key stored since has it.
    /// </summary>
    public static string? ComputeAsBeforeIntegerSpelling(IEnumerable<KeyValuePair<string, JsonElement>> arguments) => Hash(arguments, integerSpelling: false);

    private static string? Hash(IEnumerable<KeyValuePair<string, JsonElement>> arguments, bool integerSpelling)
    {
        var canonical = new StringBuilder(256);
        if (!CanonicalJson.TryWriteObject(arguments, canonical, integerSpelling))
        {
            return null;
        }

        var bytes = Encoding.UTF8.GetBytes(canonical.ToString());
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
