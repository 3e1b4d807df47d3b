using System.Collections.Frozen;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portcullis.Core.Audit;

/// <summary>Copies a call's arguments for the audit trail, replacing the values of redacted properties at any depth.</summary>
internal sealed class ArgumentRedactor(IEnumerable<string> redact)
{
    public const string Mask = "[redacted]";

    private readonly FrozenSet<string> _redact = redact.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The arguments' size as sent, in UTF-8 bytes (names and values), read without copying them.</summary>
    public static long Size(IDictionary<string, JsonElement> arguments)
    {
        long size = 0;
        foreach (var (name, value) in arguments)
        {
            size += Encoding.UTF8.GetByteCount(name) + JsonMarshal.GetRawUtf8Value(value).Length;
        }

        return size;
    }

    public JsonObject Capture(IDictionary<string, JsonElement> arguments)
    {
        var copy = new JsonObject();
        foreach (var (name, value) in arguments)
        {
            copy[name] = _redact.Contains(name) ? JsonValue.Create(Mask) : Copy(value);
        }

        return copy;
    }

    private JsonNode? Copy(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JsonObject();
                foreach (var property in value.EnumerateObject())
                {
                    // Duplicate names (not I-JSON) keep the last, as most parsers do.
                    obj[property.Name] = _redact.Contains(property.Name) ? JsonValue.Create(Mask) : Copy(property.Value);
                }

                return obj;
            case JsonValueKind.Array:
                var array = new JsonArray();
                foreach (var item in value.EnumerateArray())
                {
                    array.Add(Copy(item));
                }

                return array;
            default:
                return JsonNode.Parse(value.GetRawText());
        }
    }
}
