using System.Collections.Concurrent;

namespace Portcullis.Downstream;

/// <summary>Which connector each live MCP session was opened on.</summary>
/// <remarks>
/// The SDK keeps every session in one store, found by <c>Mcp-Session-Id</c> whatever the URL: without this, a
/// token valid for one connector could drive a session, and so the handlers, of another.
/// </remarks>
internal sealed class SessionOwners
{
    private readonly ConcurrentDictionary<string, string> _owners = new(StringComparer.Ordinal);

    public void Add(string sessionId, string connector) => _owners[sessionId] = connector;

    public void Remove(string sessionId) => _owners.TryRemove(sessionId, out _);

    /// <summary>False when the session exists but belongs to another connector.</summary>
    public bool MayUse(string sessionId, string connector) =>
        !_owners.TryGetValue(sessionId, out var owner) || string.Equals(owner, connector, StringComparison.Ordinal);
}
