using Portcullis.Core.Connectors;
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

        // A destructive tool allow-listed without opt-in is a configuration error: refuse to serve.
        var refused = connectors.All.SelectMany(c => c.RefusedDestructiveTools.Select(t => (c.Name, Tool: t))).ToList();
        // So is an input_schema overlay that would loosen the upstream's schema (known only now, with its tool list).
        var loosening = connectors.All.SelectMany(c => c.LooseningOverlays.Select(l => (c.Name, l.Tool, l.Keyword, l.Problem))).ToList();
        foreach (var (connector, tool, keyword, problem) in loosening)
        {
            GatewayLog.OverlayLoosens(logger, connector, tool, keyword, problem);
        }

        if (refused.Count > 0 || loosening.Count > 0)
        {
            foreach (var (connector, tool) in refused)
            {
                GatewayLog.DestructiveNotOptedIn(logger, connector, tool);
            }

            Environment.ExitCode = 2;
            lifetime.StopApplication();
        }

        await running;
    }
}
