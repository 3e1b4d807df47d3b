using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Core.Tools;

namespace Portcullis.Core.Idempotency;

/// <summary>Adds the required <c>idempotency_key</c> argument to the schema agents see for every write tool.</summary>
internal static class IdempotencyKeySchema
{
    public const string PropertyName = "idempotency_key";

    public const int MaxLength = 255;

    /// <summary>ECMA-262 pattern: no C0 or C1 control characters and no DEL.</summary>
    public const string PrintablePattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$";

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

        properties[PropertyName] = new JsonObject
        {
            ["type"] = "string",
            ["minLength"] = 1,
            ["maxLength"] = MaxLength,
            ["pattern"] = PrintablePattern,
            ["description"] = Description,
        };
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
