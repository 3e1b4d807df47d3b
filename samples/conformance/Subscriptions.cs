using System.Collections.Concurrent;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Portcullis.Samples.Conformance;

/// <summary>The resource URIs the server's clients subscribed to (one client over stdio; all sessions together over HTTP).</summary>
internal sealed class Subscriptions
{
    private readonly ConcurrentDictionary<string, byte> _uris = new(StringComparer.Ordinal);

    public ValueTask<EmptyResult> Subscribe(RequestContext<SubscribeRequestParams> context)
    {
        _uris.TryAdd(context.Params?.Uri ?? "", 0);
        return ValueTask.FromResult(new EmptyResult());
    }

    public bool Holds(string uri) => _uris.ContainsKey(uri);

    public ValueTask<EmptyResult> Unsubscribe(RequestContext<UnsubscribeRequestParams> context)
    {
        _uris.TryRemove(context.Params?.Uri ?? "", out _);
        return ValueTask.FromResult(new EmptyResult());
    }
}
