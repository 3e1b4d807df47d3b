using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Errors;

/// <summary>Writes a <see cref="GatewayError"/> as the tool result clients see: structured and as text.</summary>
public static class ErrorEnvelope
{
    // The text copy is read by models and people: keep quotes and apostrophes unescaped.
    private static readonly JsonSerializerOptions TextOptions = new() { Encoder = Portcullis.Core.Diagnostics.VisibleJsonEncoder.Instance };

    /// <summary>The error as a tool result with <c>isError: true</c>.</summary>
    public static CallToolResult ToResult(GatewayError error, string correlationId)
    {
        var json = ToJson(error, correlationId);
        var text = json.ToJsonString(TextOptions);
        return new CallToolResult
        {
            IsError = true,
            StructuredContent = JsonSerializer.SerializeToElement(json, ErrorJsonContext.Default.JsonObject),
            Content = [new TextContentBlock { Text = text }],
        };
    }

    /// <summary>The envelope <c>{"error": {...}}</c>.</summary>
    public static JsonObject ToJson(GatewayError error, string correlationId)
    {
        var body = new JsonObject
        {
            ["code"] = error.Code.Code,
            ["message"] = error.Message,
            ["retryable"] = error.Code.Retryable,
        };
        if (error.RetryAfterSeconds is { } retryAfter)
        {
            body["retry_after_seconds"] = retryAfter;
        }

        body["correlation_id"] = correlationId;
        if (error.Details is { Count: > 0 } details)
        {
            var array = new JsonArray();
            foreach (var detail in details)
            {
                array.Add(new JsonObject { ["path"] = detail.Path, ["keyword"] = detail.Keyword, ["message"] = detail.Message });
            }

            body["details"] = array;
        }

        return new JsonObject { ["error"] = body };
    }
}
