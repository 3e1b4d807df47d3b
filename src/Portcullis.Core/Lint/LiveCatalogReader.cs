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
        // Lint and pin compare the live tools with the lock file themselves: the catalog is built as if pins were off.
        services.AddSingleton(Pins.PinRegistry.Off());
        services.AddPortcullisCore(config);
        await using var provider = services.BuildServiceProvider();
        var registry = provider.GetRequiredService<ConnectorRegistry>();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = registry.RunAsync(stop.Token);
        try
        {
            // The upstreams still silent when this returns are reported as unreachable below.
            await registry.FirstAttemptsAsync(cancellationToken).ConfigureAwait(false);

            var result = new Dictionary<string, LiveCatalog>(StringComparer.Ordinal);
            foreach (var connector in registry.All)
            {
                result[connector.Name] = connector.Catalog.UpstreamTools is { } tools
                    ? await WithPassthroughAsync(connector, config.Limits.MaxResultBytes, new LiveCatalog(tools, connector.Catalog.Current, connector.Refusals, null), cancellationToken).ConfigureAwait(false)
                    : LiveCatalog.Unreachable(failures.For(connector.Name)
                        ?? connector.Status.LastError?.Text
                        ?? $"no answer within {connector.Config.Upstream.ConnectTimeoutSeconds + (int)Margin.TotalSeconds} s");
            }

            return result;
        }
        finally
        {
            // Cancelled too (a signal to lint or pin): the supervisors stop their upstreams as serve's do, a stdio one's
            // whole process tree, which in a session of its own would otherwise outlive this process.
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await running.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A child that will not stop is left to the supervisor's transport, which kills it on disposal.
            }
        }
    }

    private static async Task<LiveCatalog> WithPassthroughAsync(Connector connector, long limit, LiveCatalog live, CancellationToken cancellationToken)
    {
        if (connector.Upstream.Client is not { } client)
        {
            return live with { PassthroughFailure = "the upstream closed the connection" };
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(connector.Config.Upstream.ConnectTimeoutSeconds) + Margin);
        try
        {
            return live with { Passthrough = await Pins.PassthroughDefinitions.ListAsync(client, connector.Policy, limit, bounded.Token).ConfigureAwait(false) };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return live with { PassthroughFailure = ex.GetType().Name + ": " + ex.Message };
        }
    }
}
