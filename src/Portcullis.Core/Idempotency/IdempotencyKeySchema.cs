using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Core.Tools;

namespace Portcullis.Core.Idempotency;

/// <summary>Adds the required <c>idempotency_key</c> argument to the schema agents see for every write tool.</summary>
internal static class IdempotencyKeySchema
{
    public const string PropertyName = "idempotency_key";

    public const int MaxLength = 255;

    /// <summary>
    /// ECMA-262 pattern, without the <c>u</c> flag (which not every client's validator sets): no control characters
    /// (C0, DEL, C1), no format characters of the Basic Multilingual Plane (bidirectional controls, zero-width spaces
    /// and joiners, the soft hyphen, the byte order mark), no line or paragraph separator, none of the variation
    /// selectors, fillers and marks that show nothing (<see cref="Diagnostics.VisibleText"/>; U+FE0F aside), nor the
    /// default-ignorable code points Unicode reserves (U+2065, U+FFF0–U+FFF8). Those above U+FFFF (tag characters, the
    /// supplementary variation selectors, the rest of U+E0000–U+E0FFF) are refused by the gateway's own check.
    /// </summary>
    public const string PrintablePattern =
        "^[^\\u0000-\\u001F\\u007F-\\u009F\\u00AD\\u034F\\u0600-\\u0605\\u061C\\u06DD\\u070F\\u0890\\u0891\\u08E2\\u115F\\u1160" +
        "\\u17B4\\u17B5\\u180B-\\u180F\\u200B-\\u200F\\u2028-\\u202E\\u2060-\\u206F\\u3164\\uFE00-\\uFE0E\\uFEFF\\uFFA0\\uFFF0-\\uFFFB]+$";

    public const string Description =
        "Required for this write. A key you derive deterministically from the task (for example a hash of the task " +
        "and the step), unique per intended action. Send the same key with the same arguments when you retry after a " +
        "timeout or an unclear answer: the gateway then returns the original result instead of acting twice. Use a new " +
        "key only for a new, separate action.";

    /// <summary>Adds the key to <paramref name="tool"/>'s exposed schema unless the tool is read-only.</summary>
    public static void AddTo(GatewayTool tool)
    {
        if (tool.ReadOnly)
        {
            return;
        }

        var schema = JsonNode.Parse(tool.Exposed.InputSchema.GetRawText()) as JsonObject ?? new JsonObject { ["type"] = "object" };
        if (schema["properties"] is not JsonObject properties)
        {
            properties = new JsonObject();
            schema["properties"] = properties;
        }

        var key = new JsonObject
        {
            ["type"] = "string",
            ["minLength"] = 1,
            ["maxLength"] = MaxLength,
            ["pattern"] = PrintablePattern,
            ["description"] = Description,
        };
        if (properties[PropertyName] is { } declared && !(declared is JsonValue v && v.GetValueKind() == JsonValueKind.True))
        {
            // The key's schema as the upstream declares it (a key it reads itself, forwarded), tightened by the overlay:
            // its rules hold beside the gateway's, never replaced by them.
            key["allOf"] = new JsonArray(declared.DeepClone());
        }

        properties[PropertyName] = key;
        if (schema["required"] is not JsonArray required)
        {
            required = new JsonArray();
            schema["required"] = required;
        }

        if (!required.Any(r => r?.GetValueKind() == JsonValueKind.String && r.GetValue<string>() == PropertyName))
        {
            required.Add(PropertyName);
        }

        tool.Exposed.InputSchema = JsonSerializer.SerializeToElement(schema, IdempotencyJsonContext.Default.JsonObject);
    }

    /// <summary>Whether the upstream's own input schema declares the key (then it is forwarded, not stripped).</summary>
    public static bool UpstreamDeclares(GatewayTool tool) =>
        tool.Upstream.InputSchema.ValueKind == JsonValueKind.Object
        && tool.Upstream.InputSchema.TryGetProperty("properties", out var properties)
        && properties.ValueKind == JsonValueKind.Object
        && properties.TryGetProperty(PropertyName, out _);
}
