using Microsoft.Extensions.Logging;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Sessions;
using Portcullis.Core.State;

namespace Portcullis.Core.Relay;

/// <summary>
/// The resources each 2025-11-25 session's client subscribed to, kept with the session in the state store: updates reach
/// the client only from the process holding its event stream, and when that stream is opened again elsewhere (another
/// replica, the gateway after a restart) the subscriptions must be held there, though the client asked for them once.
/// </summary>
/// <remarks>
/// The store only remembers; the process taking a subscription holds it at once whatever the store answers. A record the
/// store does not take (it does not answer, or holds no handshake for the session yet) is logged and costs only the move.
/// </remarks>
internal sealed class SessionSubscriptions(ISessionStore sessions, StateClock clock, TimeProvider time, ILogger<SessionSubscriptions> logger)
{
    /// <summary>How long a record or a read may take: a subscription's answer waits for its record.</summary>
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Records that the session's client subscribed to <paramref name="uri"/> (or unsubscribed); a failure is logged, never thrown.</summary>
    public async ValueTask RecordAsync(string sessionId, string uri, bool subscribed, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(StoreTimeout, time);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var change = subscribed ? "subscription" : "unsubscription";
        try
        {
            if (!await sessions.SetSubscribedAsync(sessionId, uri, subscribed, clock.GetUtcNow(), bounded.Token).ConfigureAwait(false) && subscribed)
            {
                Log.SessionSubscriptionNotKept(logger, LogText.Safe(sessionId), change, LogText.Safe(uri), "the store holds no handshake for the session yet", null);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.SessionSubscriptionNotKept(logger, LogText.Safe(sessionId), change, LogText.Safe(uri), "the store did not take it", ex);
        }
    }

    /// <summary>The resources the session's client subscribed to, as the store holds them; none when it does not answer (logged).</summary>
    public async ValueTask<IReadOnlyList<string>> ReadAsync(string sessionId, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(StoreTimeout, time);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await sessions.GetSubscriptionsAsync(sessionId, clock.GetUtcNow(), bounded.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.SessionSubscriptionsNotRead(logger, LogText.Safe(sessionId), ex);
            return [];
        }
    }
}
