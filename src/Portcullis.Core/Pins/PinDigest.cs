using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Core.Idempotency;

namespace Portcullis.Core.Pins;

/// <summary>SHA-256 (lowercase hex) of the RFC 8785 canonical JSON of a pinned definition.</summary>
internal static class PinDigest
{
    /// <summary>The digest, or null when the definition is not I-JSON and so has no canonical form.</summary>
    public static string? Compute(JsonNode definition)
    {
        var canonical = new StringBuilder(1024);
        var element = JsonSerializer.SerializeToElement(definition, PinJsonContext.Default.JsonNode);
        if (!CanonicalJson.TryWrite(element, canonical))
        {
            return null;
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
    }
}
