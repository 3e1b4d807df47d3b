namespace Portcullis.Refusals;

/// <summary>The shape of a refusal's body.</summary>
internal enum RefusalBody
{
    /// <summary>RFC 9457 problem details (<c>application/problem+json</c>) whose <c>error</c> member is the envelope.</summary>
    Problem,

    /// <summary>A JSON-RPC error response whose <c>error.data</c> is the envelope: what an MCP client parses.</summary>
    JsonRpc,

    /// <summary>
    /// Exactly what the MCP layer answers for a session it does not know, so the two cannot be told apart: for POST and
    /// GET its JSON-RPC error (-32001 "Session not found", the request's id, its serializer), for DELETE nothing; no
    /// envelope and no correlation id header (the log line and the audit event still carry one).
    /// </summary>
    UnknownSession,
}
