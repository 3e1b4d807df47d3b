namespace Portcullis.Core.Sessions;

/// <summary>One session's handshake and what it is bound to.</summary>
/// <param name="SessionId">The <c>Mcp-Session-Id</c>.</param>
/// <param name="Connector">The connector the session was opened on; it serves no other.</param>
/// <param name="Principal">The caller's key (subject and client id); only that caller may continue it.</param>
/// <param name="InitializeParamsJson">The client's <c>initialize</c> params, as JSON.</param>
/// <param name="ExpiresAt">When the handshake is forgotten unless it is refreshed.</param>
public sealed record SessionRecord(string SessionId, string Connector, string Principal, string InitializeParamsJson, DateTimeOffset ExpiresAt);
