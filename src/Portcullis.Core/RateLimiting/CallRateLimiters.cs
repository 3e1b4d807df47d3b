using System.Collections.Frozen;
using System.Threading.RateLimiting;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.RateLimiting;

/// <summary>
/// The configured budgets, per connector and per tool, each counted per principal with a fixed window.
/// Built once from the config by the state store's <see cref="IRateLimiterProvider"/>: in the process for one
/// replica, in Redis or PostgreSQL so that several replicas share one budget.
/// </summary>
internal sealed class CallRateLimiters : IDisposable
{
    private readonly FrozenDictionary<string, PartitionedRateLimiter<string>> _connectors;
    private readonly FrozenDictionary<(string Connector, string Tool), PartitionedRateLimiter<string>> _tools;

    public CallRateLimiters(GatewayConfig config, IRateLimiterProvider provider)
    {
        // The environment is part of every name: two gateways of different environments may share one store.
        _connectors = config.Connectors
            .Where(c => c.RateLimit is not null)
            .ToFrozenDictionary(c => c.Server, c => provider.Create($"{config.Environment}/{c.Server}", c.RateLimit!), StringComparer.Ordinal);
        _tools = config.Connectors
            .SelectMany(c => c.Tools.Where(t => t.Value.RateLimit is not null).Select(t => (Key: (c.Server, t.Key), Limit: t.Value.RateLimit!)))
            .ToFrozenDictionary(x => x.Key, x => provider.Create($"{config.Environment}/{x.Key.Server}/{x.Key.Key}", x.Limit));
    }

    /// <summary>
    /// Takes a permit for <paramref name="principal"/> from every limiter that applies, narrowest first: the tool's
    /// (none for requests that are not tool calls), then the connector's, so a call refused for its tool spends none
    /// of the connector's budget (a fixed window gives no permit back). Returns how long to wait when one is spent,
    /// or null when the request may proceed. No queue: a shared limiter answers after one round trip to its store,
    /// an in-process one at once.
    /// </summary>
    public async ValueTask<TimeSpan?> AcquireAsync(ConnectorConfig connector, string? tool, string principal, CancellationToken cancellationToken)
    {
        foreach (var (limiter, window) in For(connector, tool))
        {
            using var lease = await limiter.AcquireAsync(principal, 1, cancellationToken).ConfigureAwait(false);
            if (!lease.IsAcquired)
            {
                return lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : window;
            }
        }

        return null;
    }

    private IEnumerable<(PartitionedRateLimiter<string> Limiter, TimeSpan Window)> For(ConnectorConfig connector, string? tool)
    {
        if (tool is not null && _tools.TryGetValue((connector.Server, tool), out var toolLimiter))
        {
            yield return (toolLimiter, TimeSpan.FromSeconds(connector.Tools[tool].RateLimit!.WindowSeconds));
        }

        if (_connectors.TryGetValue(connector.Server, out var connectorLimiter))
        {
            yield return (connectorLimiter, TimeSpan.FromSeconds(connector.RateLimit!.WindowSeconds));
        }
    }

    public void Dispose()
    {
        foreach (var limiter in _connectors.Values.Concat(_tools.Values))
        {
            limiter.Dispose();
        }
    }
}
