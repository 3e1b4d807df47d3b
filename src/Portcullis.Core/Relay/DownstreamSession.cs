using System.Collections.Concurrent;
using ModelContextProtocol.Server;

namespace Portcullis.Core.Relay;

/// <summary>One open downstream session of a connector, the resources it subscribed to, and its notifications on their way.</summary>
internal sealed class DownstreamSession(McpServer server)
{
    /// <summary>
    /// How many notifications (<c>resources/updated</c>, <c>list_changed</c>) may wait for a session whose client does
    /// not read its stream; each holds a little memory until it is sent.
    /// </summary>
    internal const int MaxQueuedNotifications = 1_000;

    /// <summary>
    /// How many resources one session may be subscribed to: each holds its URI for the session's life, and a template
    /// covers as many URIs as a client cares to write.
    /// </summary>
    internal const int MaxSubscriptions = 1_000;

    private readonly ConcurrentDictionary<string, byte> _subscriptions = new(StringComparer.Ordinal);
    private readonly OrderedDelivery _notifications = new(server, MaxQueuedNotifications);
    private readonly ConcurrentDictionary<string, byte> _waiting = new(StringComparer.Ordinal);

    public McpServer Server => server;

    public bool Subscribe(string uri) => _subscriptions.TryAdd(uri, 0);

    /// <summary>Whether subscribing to <paramref name="uri"/> would take this session past <see cref="MaxSubscriptions"/>.</summary>
    public bool AtSubscriptionLimit(string uri) => _subscriptions.Count >= MaxSubscriptions && !_subscriptions.ContainsKey(uri);

    public bool Unsubscribe(string uri) => _subscriptions.TryRemove(uri, out _);

    public bool IsSubscribed(string uri) => _subscriptions.ContainsKey(uri);

    public IEnumerable<string> Subscriptions => _subscriptions.Keys;

    /// <summary>Notifications dropped because <see cref="MaxQueuedNotifications"/> were already waiting.</summary>
    public long DroppedNotifications => _notifications.Dropped;

    /// <summary>
    /// Queues a notification behind this session's earlier ones, without waiting for it: a client that does not read
    /// holds up only itself. One of the same <paramref name="key"/> still waiting stands for this one too, since these
    /// say only "this changed, look again" (a burst of updates to one resource reaches a client as the updates it can
    /// take, the last always after the last change). False when it was dropped (the session's queue is full).
    /// </summary>
    public bool Notify(string key, Func<McpServer, Task> send)
    {
        if (!_waiting.TryAdd(key, 0))
        {
            return true;
        }

        var queued = _notifications.Enqueue(client =>
        {
            // No longer waiting once it is being sent: a change after this point is told again.
            _waiting.TryRemove(key, out _);
            return send(client);
        });
        if (!queued)
        {
            _waiting.TryRemove(key, out _);
        }

        return queued;
    }
}
