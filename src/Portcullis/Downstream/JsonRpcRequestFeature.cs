namespace Portcullis.Downstream;

/// <summary>What the one read of an MCP POST body found, for the middlewares after it.</summary>
/// <param name="Method">The JSON-RPC method.</param>
/// <param name="ToolName">For <c>tools/call</c>: the tool's name.</param>
/// <param name="RequestState">For <c>tools/call</c>: the multi round-trip request state a retry echoes, if any.</param>
/// <param name="Id">The JSON-RPC id, as the JSON text the client sent, if the message has one.</param>
internal sealed record JsonRpcRequestFeature(string? Method, string? ToolName, string? RequestState = null, string? Id = null);
