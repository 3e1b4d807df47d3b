using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Portcullis.Refusals;

/// <summary>
/// The MCP layer's own answer to a session id it does not know, written the way it writes it (the same types and
/// serializer, the same status): a refusal that must not tell a caller that the session exists answers with this.
/// </summary>
internal static class UnknownSession
{
    private static readonly JsonTypeInfo<JsonRpcError> ErrorType = (JsonTypeInfo<JsonRpcError>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcError));
    private static readonly JsonTypeInfo<RequestId> IdType = (JsonTypeInfo<RequestId>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(RequestId));

    /// <summary>Writes the answer to the request whose JSON-RPC id is <paramref name="id"/> (null when it has none).</summary>
    public static Task WriteAsync(HttpContext context, JsonNode? id)
    {
        if (HttpMethods.IsDelete(context.Request.Method))
        {
            // Ending a session the MCP layer does not know is a no-op to it: 200 (the refusal's status), no body.
            return Task.CompletedTask;
        }

        var error = new JsonRpcError
        {
            Id = id is null ? default : id.Deserialize(IdType),
            Error = new JsonRpcErrorDetail { Code = JsonRpcCodes.SessionNotFound, Message = "Session not found" },
        };
        return Results.Json(error, ErrorType, null, StatusCodes.Status404NotFound).ExecuteAsync(context);
    }
}
