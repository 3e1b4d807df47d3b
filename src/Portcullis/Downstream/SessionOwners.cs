using System.Collections.Concurrent;

namespace Portcullis.Downstream;

/// <summary>Which connector each live MCP session was opened on, and by which principal.</summary>
/// <remarks>
/// The SDK keeps every session in one store, found by <c>Mcp-Session-Id</c> whatever the URL: without this, a
/// token valid for one connector could drive a session, and so the handlers, of another. The SDK refuses another
/// user of a session itself, but with 403, which tells that the session exists; a session resumed on another
/// replica answers another principal 404 (<see cref="SessionMigration"/>), and so does this replica.
/// </remarks>
internal sealed class SessionOwners
{
    private readonly ConcurrentDictionary<string, Owner> _owners = new(StringComparer.Ordinal);

    public void Add(string sessionId, string connector, string principal) => _owners[sessionId] = new Owner(connector, principal);

    public void Remove(string sessionId) => _owners.TryRemove(sessionId, out _);

    /// <summary>Why the session may not be used here by this principal (it exists, but was opened elsewhere or by another), or null.</summary>
    public string? Refusal(string sessionId, string connector, string principal) =>
        !_owners.TryGetValue(sessionId, out var owner) ? null
        : !string.Equals(owner.Connector, connector, StringComparison.Ordinal) ? "the session belongs to another connector"
        : !string.Equals(owner.Principal, principal, StringComparison.Ordinal) ? "the session belongs to another principal"
        : null;

    private readonly record struct Owner(string Connector, string Principal);
}
