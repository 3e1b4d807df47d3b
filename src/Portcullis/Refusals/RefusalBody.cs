namespace Portcullis.Refusals;

/// <summary>The shape of a refusal's body.</summary>
internal enum RefusalBody
{
    /// <summary>RFC 9457 problem details (<c>application/problem+json</c>) whose <c>error</c> member is the envelope.</summary>
    Problem,

    /// <summary>A JSON-RPC error response whose <c>error.data</c> is the envelope: what an MCP client parses.</summary>
    JsonRpc,

    /// <summary>
    /// A JSON-RPC result that is a tool result with <c>isError</c> and the envelope, sent with HTTP 200: how a
    /// <c>tools/call</c> is refused, so the agent reads it as every other refused call.
    /// </summary>
    ToolResult,
}
