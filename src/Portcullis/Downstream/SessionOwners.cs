using System.Collections.Concurrent;

namespace Portcullis.Downstream;

/// <summary>Which connector each live MCP session was opened on, by which principal, and whether it was ended elsewhere.</summary>
/// <remarks>
/// The SDK keeps every session in one store, found by <c>Mcp-Session-Id</c> whatever the URL: without this, a
/// token valid for one connector could drive a session, and so the handlers, of another. The SDK refuses another
/// user of a session itself, but with 403, which tells that the session exists; a session resumed on another
/// replica answers another principal 404 (<see cref="SessionMigration"/>), and so does this replica. A session its
/// client ended on another replica (<see cref="Hosting.SessionSweepService"/>) is answered 404 here too, as the SDK
/// offers no way to close one of its sessions from outside.
/// </remarks>
internal sealed class SessionOwners
{
    private readonly ConcurrentDictionary<string, Owner> _owners = new(StringComparer.Ordinal);

    public void Add(string sessionId, string connector, string principal) => _owners[sessionId] = new Owner(connector, principal, Ended: false);

    public void Remove(string sessionId) => _owners.TryRemove(sessionId, out _);

    /// <summary>Whether the session is live on this replica and not ended.</summary>
    public bool IsLive(string sessionId) => _owners.TryGetValue(sessionId, out var owner) && !owner.Ended;

    /// <summary>The sessions live on this replica and not ended, with their connector.</summary>
    public IEnumerable<(string SessionId, string Connector)> Live() =>
        _owners.Where(p => !p.Value.Ended).Select(p => (p.Key, p.Value.Connector));

    /// <summary>Marks a live session as ended by its client elsewhere; false when it is not here or was already marked.</summary>
    public bool End(string sessionId) =>
        _owners.TryGetValue(sessionId, out var owner) && !owner.Ended && _owners.TryUpdate(sessionId, owner with { Ended = true }, owner);

    /// <summary>Why the session may not be used here by this principal (it exists, but was opened elsewhere or by another, or ended), or null.</summary>
    public SessionRefusal? Refusal(string sessionId, string connector, string principal) =>
        !_owners.TryGetValue(sessionId, out var owner) ? null
        : !string.Equals(owner.Connector, connector, StringComparison.Ordinal) ? new SessionRefusal("session_not_yours", "the session belongs to another connector")
        : !string.Equals(owner.Principal, principal, StringComparison.Ordinal) ? new SessionRefusal("session_not_yours", "the session belongs to another principal")
        : owner.Ended ? new SessionRefusal("session_ended", "the client ended the session on another replica")
        : null;

    private readonly record struct Owner(string Connector, string Principal, bool Ended);
}

/// <summary>Why a session id is answered as unknown: a short class for the audit trail, and the reason for the log.</summary>
internal sealed record SessionRefusal(string Class, string Reason);
