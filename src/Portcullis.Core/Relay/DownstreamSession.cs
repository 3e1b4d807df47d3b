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

    private readonly ConcurrentDictionary<string, byte> _subscriptions = new(StringComparer.Ordinal);
    private readonly OrderedDelivery _notifications = new(server, MaxQueuedNotifications);

    public McpServer Server => server;

    public bool Subscribe(string uri) => _subscriptions.TryAdd(uri, 0);

    public bool Unsubscribe(string uri) => _subscriptions.TryRemove(uri, out _);

    public bool IsSubscribed(string uri) => _subscriptions.ContainsKey(uri);

    public IEnumerable<string> Subscriptions => _subscriptions.Keys;

    /// <summary>Notifications dropped because <see cref="MaxQueuedNotifications"/> were already waiting.</summary>
    public long DroppedNotifications => _notifications.Dropped;

    /// <summary>
    /// Queues a notification behind this session's earlier ones, without waiting for it: a client that does not read
    /// holds up only itself. False when it was dropped (the session's queue is full).
    /// </summary>
    public bool Notify(Func<McpServer, Task> send) => _notifications.Enqueue(send);
}
