namespace Portcullis.Refusals;

/// <summary>The JSON-RPC 2.0 error codes the gateway answers with at the transport, or counts when the MCP layer does.</summary>
internal static class JsonRpcCodes
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;

    /// <summary>A refusal the gateway answers itself, its envelope in <c>error.data</c> (the server-error range of JSON-RPC 2.0).</summary>
    public const int GatewayRefusal = -32000;
}
