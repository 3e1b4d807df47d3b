using System.Text.Json.Nodes;

namespace Portcullis.Core.Errors;

/// <summary>The JSON Schema of the error envelope <see cref="ErrorEnvelope"/> writes, codes from the catalog.</summary>
public static class ErrorEnvelopeSchema
{
    /// <summary>A fresh copy of the schema, open to fields added later so clients that validate keep accepting it.</summary>
    public static JsonObject Create() => new()
    {
        ["title"] = "Portcullis error",
        ["description"] = "The gateway's structured error, sent with isError: true; see the gateway's docs/errors.md.",
        ["type"] = "object",
        ["required"] = new JsonArray("error"),
        ["properties"] = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["type"] = "object",
                ["required"] = new JsonArray("code", "message", "retryable", "correlation_id"),
                ["properties"] = new JsonObject
                {
                    ["code"] = new JsonObject { ["enum"] = new JsonArray([.. ErrorCatalog.All.Select(c => (JsonNode)c.Code)]) },
                    ["message"] = new JsonObject { ["type"] = "string" },
                    ["retryable"] = new JsonObject { ["type"] = "boolean" },
                    ["retry_after_seconds"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0 },
                    ["correlation_id"] = new JsonObject { ["type"] = "string" },
                    ["details"] = new JsonObject
                    {
                        ["type"] = "array",
                        ["items"] = new JsonObject
                        {
                            ["type"] = "object",
                            ["required"] = new JsonArray("path", "keyword", "message"),
                            ["properties"] = new JsonObject
                            {
                                ["path"] = new JsonObject { ["type"] = "string" },
                                ["keyword"] = new JsonObject { ["type"] = "string" },
                                ["message"] = new JsonObject { ["type"] = "string" },
                            },
                        },
                    },
                },
            },
        },
    };
}
