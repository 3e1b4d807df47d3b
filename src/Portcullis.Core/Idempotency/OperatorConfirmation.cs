using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Idempotency;

/// <summary>
/// The answer retries of a key get once an operator settled it as executed: a text for the model, and the same in
/// <c>structuredContent</c>, because clients that check a tool's structured results against its output schema (the MCP
/// Inspector, the TypeScript SDK) refuse a result without one. Every advertised output schema admits it
/// (<see cref="Schemas.AdvertisedOutputSchema"/>).
/// </summary>
internal static class OperatorConfirmation
{
    /// <summary>The <c>_meta</c> key that marks the answer.</summary>
    public const string MetaKey = "portcullis/operator_confirmed";

    /// <summary>The one property of its <c>structuredContent</c>.</summary>
    public const string Property = "operator_confirmed";

    /// <summary>The result retries of the key are answered with.</summary>
    public static CallToolResult Result(string correlationId, string? note)
    {
        var hasNote = !string.IsNullOrWhiteSpace(note);
        var text = $"An operator confirmed that the earlier call with this idempotency_key (correlation id {correlationId}) took effect. " +
            "It was not sent again; treat the action as done." + (hasNote ? " Operator's note: " + note : "");
        var confirmed = new JsonObject { ["correlation_id"] = correlationId, ["message"] = text };
        if (hasNote)
        {
            confirmed["note"] = note;
        }

        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = text }],
            StructuredContent = System.Text.Json.JsonSerializer.SerializeToElement(new JsonObject { [Property] = confirmed }, Schemas.SchemaJsonContext.Default.JsonObject),
            Meta = new JsonObject { [MetaKey] = true },
        };
    }

    /// <summary>A fresh copy of the schema of its <c>structuredContent</c>, open to fields added later.</summary>
    public static JsonObject Schema() => new()
    {
        ["title"] = "Portcullis operator confirmation",
        ["description"] = "An operator confirmed that an earlier call with the same idempotency_key took effect; it was not sent again. See the gateway's docs/errors.md.",
        ["type"] = "object",
        ["required"] = new JsonArray(Property),
        ["properties"] = new JsonObject
        {
            [Property] = new JsonObject
            {
                ["type"] = "object",
                ["required"] = new JsonArray("correlation_id", "message"),
                ["properties"] = new JsonObject
                {
                    ["correlation_id"] = new JsonObject { ["type"] = "string" },
                    ["message"] = new JsonObject { ["type"] = "string" },
                    ["note"] = new JsonObject { ["type"] = "string" },
                },
            },
        },
    };
}
