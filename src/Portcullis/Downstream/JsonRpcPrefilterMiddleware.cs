using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Core.Connectors;

namespace Portcullis.Downstream;

/// <summary>
/// Reads each MCP POST once before the MCP layer and answers protocol faults the JSON-RPC way: a body
/// that is not JSON gets a parse error (-32700), a <c>tools/call</c> whose params are not the right shape
/// gets invalid params (-32602). The body is then handed on untouched.
/// </summary>
internal sealed class JsonRpcPrefilterMiddleware(RequestDelegate next, ConnectorRegistry connectors)
{
    private const int ParseError = -32700;
    private const int InvalidParams = -32602;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || context.GetRouteValue("server") is not string server || !connectors.TryGet(server, out _))
        {
            await next(context);
            return;
        }

        context.Request.EnableBuffering();
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
        }
        catch (JsonException)
        {
            await WriteErrorAsync(context, null, ParseError, "Parse error: the body is not valid JSON.");
            return;
        }

        using (document)
        {
            if (InvalidToolCall(document.RootElement) is { } problem)
            {
                await WriteErrorAsync(context, IdOf(document.RootElement), InvalidParams, problem);
                return;
            }
        }

        context.Request.Body.Position = 0;
        await next(context);
    }

    private static string? InvalidToolCall(JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object
            || !message.TryGetProperty("method", out var method)
            || method.ValueKind != JsonValueKind.String
            || method.GetString() != "tools/call")
        {
            return null;
        }

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

        return null;
    }

    private static JsonNode? IdOf(JsonElement message) =>
        message.ValueKind == JsonValueKind.Object && message.TryGetProperty("id", out var id) && id.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? JsonNode.Parse(id.GetRawText())
            : null;

    private static Task WriteErrorAsync(HttpContext context, JsonNode? id, int code, string message)
    {
        context.Response.StatusCode = id is null ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK;
        var body = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = id,
            ["error"] = new JsonObject { ["code"] = code, ["message"] = message },
        };
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
