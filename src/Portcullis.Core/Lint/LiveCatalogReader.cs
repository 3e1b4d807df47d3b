using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = registry.RunAsync(stop.Token);
        // The upstreams still silent when this returns are reported as unreachable below.
        await registry.FirstAttemptsAsync(cancellationToken).ConfigureAwait(false);

        var result = new Dictionary<string, LiveCatalog>(StringComparer.Ordinal);
        foreach (var connector in registry.All)
        {
            result[connector.Name] = connector.Catalog.UpstreamTools is { } tools
                ? new LiveCatalog(tools, connector.Catalog.Current, connector.Refusals, null)
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
