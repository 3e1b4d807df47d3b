using System.Text.Json;
using ModelContextProtocol;
using Portcullis.Core.Errors;

namespace Portcullis.Core.Relay;

/// <summary>
/// Refusals of requests other than <c>tools/call</c> (resources, prompts, completions, logging levels): JSON-RPC errors
/// whose <c>data.error</c> is the catalog envelope, so a client reads the same code, retryable flag and delay as in a
/// tool result. What policy hides is answered exactly as unknown instead, without an envelope.
/// </summary>
internal static class RelayErrors
{
    /// <summary>The JSON-RPC code of a refusal the gateway answers itself (the server-error range of JSON-RPC 2.0).</summary>
    public const McpErrorCode GatewayRefusal = (McpErrorCode)(-32000);

    public static McpProtocolException From(GatewayError error, string correlationId)
    {
        var code = error.Code == ErrorCatalog.Internal ? McpErrorCode.InternalError : GatewayRefusal;
        var exception = new McpProtocolException(error.Message, code);
        exception.Data["error"] = JsonSerializer.SerializeToElement(ErrorEnvelope.ToJson(error, correlationId)["error"], ErrorJsonContext.Default.JsonNode);
        return exception;
    }
}
