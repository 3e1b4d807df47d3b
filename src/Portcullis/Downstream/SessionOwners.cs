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
/// <para>
/// It also counts the sessions each principal holds on this replica (<c>limits.max_sessions_per_principal</c>): one
/// is counted from the moment the MCP layer runs it until it stops running (a DELETE, the idle timeout, shutdown),
/// whatever ended it, plus the <see cref="SessionSlot"/>s reserved by requests that are about to open one. Writes
/// take one lock, so the count and the registrations never disagree; reads take none.
/// </para>
/// </remarks>
internal sealed class SessionOwners
{
    private readonly ConcurrentDictionary<string, Owner> _owners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>
    /// Registers a session the MCP layer now runs, counted for its principal until <see cref="Remove"/>; it takes the
    /// principal's <paramref name="slot"/> when the request that opened it reserved one.
    /// </summary>
    public Owner Add(string sessionId, string connector, string principal, SessionSlot? slot = null)
    {
        lock (_gate)
        {
            _owners.TryGetValue(sessionId, out var replaced);
            var owner = new Owner(connector, principal, replaced);
            if (slot is null || !slot.TryClaim(owner, principal))
            {
                _counts[principal] = _counts.GetValueOrDefault(principal) + 1;
            }

            _owners[sessionId] = owner;
            return owner;
        }
    }

    /// <summary>
    /// Forgets the session registered as <paramref name="owner"/> and frees its principal's slot, once. When another run
    /// of the same session id registered since, that one stays; when this one had replaced a run still held, that
    /// one is registered again.
    /// </summary>
    public void Remove(string sessionId, Owner owner)
    {
        lock (_gate)
        {
            if (owner.Removed)
            {
                return;
            }

            owner.Removed = true;
            Uncount(owner);
            if (_owners.TryGetValue(sessionId, out var current) && ReferenceEquals(current, owner))
            {
                if (owner.Replaced is { Removed: false } previous)
                {
                    _owners[sessionId] = previous;
                }
                else
                {
                    _owners.TryRemove(sessionId, out _);
                }
            }
        }
    }

    /// <summary>Reserves one of the principal's <paramref name="limit"/> sessions for a request about to open one; null when none is left.</summary>
    public SessionSlot? TryReserve(string principal, int limit)
    {
        lock (_gate)
        {
            var count = _counts.GetValueOrDefault(principal);
            if (count >= limit)
            {
                return null;
            }

            _counts[principal] = count + 1;
            return new SessionSlot(principal);
        }
    }

    /// <summary>Frees a reserved slot no session took (the request was refused, failed or opened nothing); no-op otherwise.</summary>
    public void Release(SessionSlot slot)
    {
        lock (_gate)
        {
            if (slot.TryRelease())
            {
                Decrement(slot.Principal);
            }
        }
    }

    /// <summary>The sessions the principal holds on this replica, with the slots reserved for it.</summary>
    public int Count(string principal)
    {
        lock (_gate)
        {
            return _counts.GetValueOrDefault(principal);
        }
    }

    /// <summary>Whether the session is live on this replica and not ended.</summary>
    public bool IsLive(string sessionId) => _owners.TryGetValue(sessionId, out var owner) && !owner.Ended;

    /// <summary>The sessions live on this replica and not ended, with their connector.</summary>
    public IEnumerable<(string SessionId, string Connector)> Live() =>
        _owners.Where(p => !p.Value.Ended).Select(p => (p.Key, p.Value.Connector));

    /// <summary>Marks a live session as ended by its client elsewhere; false when it is not here or was already marked.</summary>
    public bool End(string sessionId)
    {
        lock (_gate)
        {
            if (!_owners.TryGetValue(sessionId, out var owner) || owner.Ended)
            {
                return false;
            }

            // Its client ended it: it no longer counts against the principal, although the SDK holds it until the idle
            // timeout (answering 404 meanwhile), so a client that opens and ends sessions through other replicas is not
            // refused for sessions it has ended.
            owner.Ended = true;
            Uncount(owner);
            return true;
        }
    }

    /// <summary>Why the session may not be used here by this principal (it exists, but was opened elsewhere or by another, or ended), or null.</summary>
    public SessionRefusal? Refusal(string sessionId, string connector, string principal) =>
        !_owners.TryGetValue(sessionId, out var owner) ? null
        : !string.Equals(owner.Connector, connector, StringComparison.Ordinal) ? new SessionRefusal("session_not_yours", "the session belongs to another connector")
        : !string.Equals(owner.Principal, principal, StringComparison.Ordinal) ? new SessionRefusal("session_not_yours", "the session belongs to another principal")
        : owner.Ended ? new SessionRefusal("session_ended", "the client ended the session on another replica")
        : null;

    private void Uncount(Owner owner)
    {
        if (owner.Counted)
        {
            owner.Counted = false;
            Decrement(owner.Principal);
        }
    }

    private void Decrement(string principal)
    {
        var count = _counts.GetValueOrDefault(principal) - 1;
        if (count > 0)
        {
            _counts[principal] = count;
        }
        else
        {
            // A principal without sessions takes no memory here.
            _counts.Remove(principal);
        }
    }

    /// <summary>One run of a session on this replica: who opened it where, and the run it replaced, if any.</summary>
    internal sealed class Owner(string connector, string principal, Owner? replaced)
    {
        private volatile bool _ended;

        public string Connector { get; } = connector;

        public string Principal { get; } = principal;

        /// <summary>The run of the same session id registered before this one and not yet removed when this one was added.</summary>
        public Owner? Replaced { get; } = replaced is { Removed: false } ? replaced : null;

        public bool Ended { get => _ended; set => _ended = value; }

        /// <summary>Written under the owners' lock only.</summary>
        public bool Removed { get; set; }

        /// <summary>Whether it still counts against its principal's limit (until it ends or stops running). Written under the owners' lock only.</summary>
        public bool Counted { get; set; } = true;
    }
}

/// <summary>Why a session id is answered as unknown: a short class for the audit trail, and the reason for the log.</summary>
internal sealed record SessionRefusal(string Class, string Reason);
