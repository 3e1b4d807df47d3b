using Portcullis.Core.Connectors;
using Portcullis.Core.Tools;
using Portcullis.Core.Diagnostics;
using Portcullis.Diagnostics;

namespace Portcullis.Hosting;

/// <summary>Runs every connector's upstream supervisor for the lifetime of the host.</summary>
/// <remarks>Takes <see cref="UpstreamMetrics"/> so the upstream gauge exists from the start.</remarks>
internal sealed class UpstreamHostedService(ConnectorRegistry connectors, UpstreamMetrics metrics, IHostApplicationLifetime lifetime, ILogger<UpstreamHostedService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _ = metrics;
        var running = connectors.RunAsync(stoppingToken);
        try
        {
            var timeout = TimeSpan.FromSeconds(connectors.All.Max(c => c.Config.Upstream.ConnectTimeoutSeconds) + 5);
            await connectors.FirstAttemptsAsync(timeout, stoppingToken);
        }
        catch (TimeoutException)
        {
            // Upstreams that are slow to start keep being supervised; /readyz tells.
        }

        // A destructive tool allow-listed without opt-in is a configuration error: refuse to serve. So is an
        // input_schema overlay that would loosen the upstream's schema (known only now, with its tool list).
        var refusals = connectors.All.SelectMany(c => c.Refusals)
            .Where(r => r.Kind is CatalogRefusalKind.DestructiveNotOptedIn or CatalogRefusalKind.OverlayLoosens)
            .ToList();
        foreach (var refusal in refusals)
        {
            if (refusal.Kind == CatalogRefusalKind.OverlayLoosens)
            {
                GatewayLog.OverlayLoosens(logger, refusal.Message);
            }
            else
            {
                GatewayLog.DestructiveNotOptedIn(logger, refusal.Message);
            }
        }

        if (refusals.Count > 0)
        {
            Environment.ExitCode = 2;
            lifetime.StopApplication();
        }

        await running;
    }
}
