using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Diagnostics;

namespace Portcullis.Downstream;

/// <summary>
/// Limits before parsing: a POST body larger than <c>limits.max_body_bytes</c>, or nested deeper than the
/// MCP layer can parse, is answered HTTP 413 with a JSON-RPC error carrying <c>payload_too_large</c>,
/// instead of Kestrel's bare 413 or the SDK's misleading 400 ("not a valid JSON-RPC message").
/// </summary>
internal sealed class PayloadLimitMiddleware(RequestDelegate next, GatewayConfig config, ILogger<PayloadLimitMiddleware> logger)
{
    /// <summary>The SDK reads JSON-RPC bodies with System.Text.Json's default MaxDepth of 64.</summary>
    public const int TransportMaxDepth = 64;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await next(context);
            return;
        }

        var limit = config.Limits.MaxBodyBytes;
        if (context.Request.ContentLength is { } length && length > limit)
        {
            await RefuseAsync(context, $"the body of {length} bytes is larger than the {limit} bytes accepted");
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
            await RefuseAsync(context, $"the body is larger than the {limit} bytes accepted");
            return;
        }

        if (body.Length > limit)
        {
            await RefuseAsync(context, $"the body is larger than the {limit} bytes accepted");
            return;
        }

        if (NestsTooDeep(body))
        {
            await RefuseAsync(context, $"the JSON nests deeper than {TransportMaxDepth} levels");
            return;
        }

        context.Request.Body = new MemoryStream(body, writable: false);
        await next(context);
    }

    /// <summary>True when the JSON nests past what the MCP layer parses; malformed JSON is left to the SDK.</summary>
    internal static bool NestsTooDeep(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = TransportMaxDepth + 2, CommentHandling = JsonCommentHandling.Skip });
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

    private async Task RefuseAsync(HttpContext context, string reason)
    {
        GatewayLog.PayloadRefused(logger, context.Request.Method, context.Request.Path, reason);
        var error = new GatewayError(ErrorCatalog.PayloadTooLarge, $"The request is too large: {reason}.");
        var response = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = null,
            ["error"] = new JsonObject
            {
                ["code"] = -32600,
                ["message"] = error.Message,
                ["data"] = ErrorEnvelope.ToJson(error, CorrelationIds.Next()),
            },
        };
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(response.ToJsonString(), context.RequestAborted);
    }
}
