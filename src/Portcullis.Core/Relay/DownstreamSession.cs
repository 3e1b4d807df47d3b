using System.Collections.Concurrent;
using ModelContextProtocol.Server;

namespace Portcullis.Core.Relay;

/// <summary>One open downstream session of a connector and the resources it subscribed to.</summary>
internal sealed class DownstreamSession(McpServer server)
{
    private readonly ConcurrentDictionary<string, byte> _subscriptions = new(StringComparer.Ordinal);

    public McpServer Server => server;

    public bool Subscribe(string uri) => _subscriptions.TryAdd(uri, 0);

    public bool Unsubscribe(string uri) => _subscriptions.TryRemove(uri, out _);

    public bool IsSubscribed(string uri) => _subscriptions.ContainsKey(uri);

    public IEnumerable<string> Subscriptions => _subscriptions.Keys;
}
