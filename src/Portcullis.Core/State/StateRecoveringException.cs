namespace Portcullis.Core.State;

/// <summary>
/// The store answered, but may not hold yet what another replica could not write to it during an outage moments ago:
/// thrown where "not there" would be untrue for a while after one (a session opened on another replica meanwhile, whose
/// handshake that replica's sweep saves once the store is back). An outage for <see cref="StateOutages.IsOutage"/>, so
/// its request is answered the retryable <c>state_unavailable</c>.
/// </summary>
public sealed class StateRecoveringException(string message) : Exception(message);
