namespace Portcullis.Downstream;

/// <summary>
/// One of a principal's sessions, reserved by a request about to open a session (an <c>initialize</c>, or a session
/// continued from another replica), so that concurrent requests cannot open more than the limit between them. The
/// session the request opens takes it over (<see cref="SessionOwners.Add"/>); if none does, the request gives it back
/// when it ends (<see cref="SessionCapMiddleware"/>). Left on the request as a feature. Changed under the owners' lock only.
/// </summary>
internal sealed class SessionSlot(string principal)
{
    private State _state;

    public string Principal { get; } = principal;

    /// <summary>The session run that took the slot, once one has.</summary>
    public SessionOwners.Owner? Owner { get; private set; }

    /// <summary>Hands the slot to <paramref name="owner"/>: false when it is not reserved for that principal any more.</summary>
    public bool TryClaim(SessionOwners.Owner owner, string principal)
    {
        if (_state != State.Reserved || !string.Equals(principal, Principal, StringComparison.Ordinal))
        {
            return false;
        }

        _state = State.Claimed;
        Owner = owner;
        return true;
    }

    /// <summary>Gives the slot back: false when a session took it or it was already given back.</summary>
    public bool TryRelease()
    {
        if (_state != State.Reserved)
        {
            return false;
        }

        _state = State.Released;
        return true;
    }

    private enum State
    {
        Reserved,
        Claimed,
        Released,
    }
}
