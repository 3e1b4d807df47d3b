namespace Portcullis.Downstream;

/// <summary>What the one read of an MCP POST body found, for the middlewares after it.</summary>
internal sealed record JsonRpcRequestFeature(string? Method, string? ToolName);
