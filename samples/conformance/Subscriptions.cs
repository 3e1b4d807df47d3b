using System.Collections.Concurrent;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Portcullis.Samples.Conformance;

/// <summary>The resource URIs the (single, stdio) client subscribed to.</summary>
internal sealed class Subscriptions
{
    private readonly ConcurrentDictionary<string, byte> _uris = new(StringComparer.Ordinal);

    public ValueTask<EmptyResult> Subscribe(RequestContext<SubscribeRequestParams> context)
    {
        _uris.TryAdd(context.Params?.Uri ?? "", 0);
        return ValueTask.FromResult(new EmptyResult());
    }

    public ValueTask<EmptyResult> Unsubscribe(RequestContext<UnsubscribeRequestParams> context)
    {
        _uris.TryRemove(context.Params?.Uri ?? "", out _);
        return ValueTask.FromResult(new EmptyResult());
    }
}
