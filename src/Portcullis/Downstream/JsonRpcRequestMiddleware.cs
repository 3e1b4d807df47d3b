using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Diagnostics;

namespace Portcullis.Downstream;

/// <summary>
/// Reads each MCP POST body once, before the MCP layer, and answers what the MCP layer would answer badly:
/// a body over <c>limits.max_body_bytes</c> or nested deeper than the MCP layer parses gets HTTP 413 with
/// <c>payload_too_large</c>; a body that is not JSON gets a JSON-RPC parse error (-32700); a
/// <c>tools/call</c> whose params are not the right shape gets invalid params (-32602). What it found is
/// left in a <see cref="JsonRpcRequestFeature"/> and the body is handed on untouched.
/// </summary>
internal sealed class JsonRpcRequestMiddleware(RequestDelegate next, ConnectorRegistry connectors, GatewayConfig config, ILogger<JsonRpcRequestMiddleware> logger)
{
    /// <summary>The SDK reads JSON-RPC bodies with System.Text.Json's default MaxDepth of 64.</summary>
    public const int TransportMaxDepth = 64;

    private const int ParseError = -32700;
    private const int InvalidRequest = -32600;
    private const int InvalidParams = -32602;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || context.GetRouteValue("server") is not string server || !connectors.TryGet(server, out _))
        {
            await next(context);
            return;
        }

        var limit = config.Limits.MaxBodyBytes;
        if (context.Request.ContentLength is { } length && length > limit)
        {
            await RefuseTooLargeAsync(context, $"the body of {length} bytes is larger than the {limit} bytes accepted");
            return;
        }

        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await RefuseTooLargeAsync(context, $"the body is larger than the {limit} bytes accepted");
            return;
        }

        if (body.Length > limit)
        {
            await RefuseTooLargeAsync(context, $"the body is larger than the {limit} bytes accepted");
            return;
        }

        if (NestsTooDeep(body))
        {
            await RefuseTooLargeAsync(context, $"the JSON nests deeper than {TransportMaxDepth} levels");
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = TransportMaxDepth + 2 });
        }
        catch (JsonException)
        {
            await WriteRpcErrorAsync(context, StatusCodes.Status400BadRequest, null, ParseError, "Parse error: the body is not valid JSON.");
            return;
        }

        using (document)
        {
            var message = document.RootElement;
            var method = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("method", out var m) && m.ValueKind == JsonValueKind.String
                ? m.GetString()
                : null;
            string? toolName = null;
            if (method == "tools/call")
            {
                if (InvalidToolCall(message, out toolName) is { } problem)
                {
                    var id = IdOf(message);
                    await WriteRpcErrorAsync(context, id is null ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK, id, InvalidParams, problem);
                    return;
                }
            }

            string? requestState = null;
            if (toolName is not null && message.GetProperty("params").TryGetProperty("requestState", out var state) && state.ValueKind == JsonValueKind.String)
            {
                requestState = state.GetString();
            }

            context.Features.Set(new JsonRpcRequestFeature(method, toolName, requestState, IdOf(message)?.ToJsonString()));
        }

        context.Request.Body = new MemoryStream(body, writable: false);
        await next(context);
    }

    /// <summary>True when the JSON nests past what the MCP layer parses; malformed JSON is judged later.</summary>
    internal static bool NestsTooDeep(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = TransportMaxDepth + 2 });
        try
        {
            while (reader.Read())
            {
                if ((reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) && reader.CurrentDepth >= TransportMaxDepth)
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return false;
    }

    private static string? InvalidToolCall(JsonElement message, out string? toolName)
    {
        toolName = null;
        if (!message.TryGetProperty("params", out var parameters) || parameters.ValueKind != JsonValueKind.Object)
        {
            return "Invalid params: tools/call needs a params object.";
        }

        if (!parameters.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
        {
            return "Invalid params: params.name must be the tool's name, a string.";
        }

        if (parameters.TryGetProperty("arguments", out var arguments) && arguments.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            return "Invalid params: params.arguments must be an object.";
        }

        toolName = name.GetString();
        return null;
    }

    private static JsonNode? IdOf(JsonElement message) =>
        message.ValueKind == JsonValueKind.Object && message.TryGetProperty("id", out var id) && id.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? JsonNode.Parse(id.GetRawText())
            : null;

    private Task RefuseTooLargeAsync(HttpContext context, string reason)
    {
        GatewayLog.PayloadRefused(logger, context.Request.Method, context.Request.Path, reason);
        var error = new GatewayError(ErrorCatalog.PayloadTooLarge, $"The request is too large: {reason}.");
        return WriteRpcErrorAsync(context, StatusCodes.Status413PayloadTooLarge, null, InvalidRequest, error.Message, ErrorEnvelope.ToJson(error, CorrelationIds.Next()));
    }

    private static Task WriteRpcErrorAsync(HttpContext context, int status, JsonNode? id, int code, string message, JsonNode? data = null)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        if (data is not null)
        {
            error["data"] = data;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["error"] = error };
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
