using Portcullis.Core.Connectors;

namespace Portcullis.Hosting;

/// <summary>
/// Holds the start of the listener until every upstream has made its first connection attempt (bounded by its
/// connect timeout), so a starting replica refuses connections — which a load balancer passes to another replica —
/// instead of answering calls from a catalog it does not know yet.
/// </summary>
internal sealed class ReadinessGate(ConnectorRegistry connectors) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(connectors.All.Max(c => c.Config.Upstream.ConnectTimeoutSeconds) + 5);
        try
        {
            await connectors.FirstAttemptsAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Upstreams slow to start keep being supervised; /readyz tells.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
