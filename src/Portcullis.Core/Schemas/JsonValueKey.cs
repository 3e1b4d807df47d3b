using System.Text;
using System.Text.Json;
using Portcullis.Core.Idempotency;

namespace Portcullis.Core.Schemas;

/// <summary>
/// A text that two JSON values share exactly when JSON Schema calls them equal: objects whatever their members' order,
/// numbers by their exact value (<c>1</c>, <c>1.0</c> and <c>10e-1</c> alike; <c>1e300</c> and <c>1e29</c> as well).
/// </summary>
/// <remarks>
/// JsonSchema.Net 8.0.5 compares numbers for <c>const</c>, <c>enum</c> and <c>uniqueItems</c> as <see cref="decimal"/>:
/// one beyond its range (<c>1e29</c>) threw, a request crashed with <c>internal</c>; and one with more digits than it
/// holds was rounded, so <c>1.00000000000000000000000000001</c> passed for <c>const: 1</c>.
/// </remarks>
internal static class JsonValueKey
{
    /// <summary>The canonical form (RFC 8785, numbers exact); a value that has none (a number beyond a double, a name twice) is its own text.</summary>
    public static string Of(JsonElement value)
    {
        var text = new StringBuilder();
        return CanonicalJson.TryWrite(value, text) ? text.ToString() : "\u0000" + value.GetRawText();
    }
}
