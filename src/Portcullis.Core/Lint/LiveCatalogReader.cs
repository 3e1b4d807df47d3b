using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;

namespace Portcullis.Core.Lint;

/// <summary>
/// Connects to every upstream the way <c>serve</c> does (the same transports, credentials, supervisor and catalog
/// code), lists its tools once, and disconnects. Bounded: each upstream has its connect timeout plus a margin.
/// </summary>
internal static class LiveCatalogReader
{
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(5);

    public static async Task<IReadOnlyDictionary<string, LiveCatalog>> ReadAsync(GatewayConfig config, CancellationToken cancellationToken)
    {
        var failures = new UpstreamFailures();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.ClearProviders().AddProvider(failures).SetMinimumLevel(LogLevel.Warning));
        services.AddPortcullisCore(config);
        await using var provider = services.BuildServiceProvider();
        var registry = provider.GetRequiredService<ConnectorRegistry>();

        var lists = new ConcurrentDictionary<string, IReadOnlyList<Tool>>(StringComparer.Ordinal);
        foreach (var connector in registry.All)
        {
            var name = connector.Name;
            connector.Upstream.ToolsChanged += tools => lists[name] = tools;
        }

        var timeout = TimeSpan.FromSeconds(config.Connectors.Select(c => c.Upstream.ConnectTimeoutSeconds).DefaultIfEmpty(0).Max()) + Margin;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = registry.RunAsync(stop.Token);
        try
        {
            await registry.FirstAttemptsAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The upstreams still silent are reported as unreachable below.
        }

        var result = new Dictionary<string, LiveCatalog>(StringComparer.Ordinal);
        foreach (var connector in registry.All)
        {
            result[connector.Name] = lists.TryGetValue(connector.Name, out var tools)
                ? new LiveCatalog(tools, connector.Catalog, connector.Refusals, null)
                : LiveCatalog.Unreachable(failures.For(connector.Name)
                    ?? connector.Status.LastError
                    ?? $"no answer within {connector.Config.Upstream.ConnectTimeoutSeconds + (int)Margin.TotalSeconds} s");
        }

        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await running.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A child that will not stop is left to the supervisor's transport, which kills it on disposal.
        }

        return result;
    }
}
