using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;
using Portcullis.Diagnostics;

namespace Portcullis.Hosting;

/// <summary>
/// Runs every connector's upstream supervisor for the life of the host. <see cref="StartupGate"/> calls
/// <see cref="StartUpstreamsAsync"/> before the host starts listening, so the first attempt of every upstream has
/// finished (within its bound) and the configuration errors only the tool lists reveal stop the gateway first.
/// </summary>
/// <remarks>Takes <see cref="UpstreamMetrics"/> so the upstream gauge exists from the start.</remarks>
internal sealed class UpstreamHostedService(ConnectorRegistry connectors, GatewayConfig config, UpstreamMetrics metrics, ILogger<UpstreamHostedService> logger)
    : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _running;

    /// <summary>
    /// Starts the supervisors and waits for their first attempts; returns the configuration errors found in the tool
    /// lists (a destructive tool without opt-in, a loosening overlay), empty when the gateway may listen.
    /// </summary>
    public async Task<IReadOnlyList<ConfigError>> StartUpstreamsAsync(CancellationToken cancellationToken)
    {
        _ = metrics;
        _running ??= connectors.RunAsync(_stopping.Token);
        if (!await connectors.FirstAttemptsAsync(cancellationToken))
        {
            var pending = connectors.All.Where(c => !c.Upstream.FirstAttempt.IsCompleted).Select(c => c.Name);
            GatewayLog.FirstAttemptsPending(logger, string.Join(", ", pending));
        }

        // The refusals' words are the ones lint reports for the same config (CatalogRefusal).
        var errors = new List<ConfigError>();
        for (var i = 0; i < config.Connectors.Count; i++)
        {
            if (connectors.TryGet(config.Connectors[i].Server, out var connector))
            {
                errors.AddRange(connector.Refusals.Where(r => r.IsConfigError).Select(r => r.ToConfigError(i)));
            }
        }

        if (errors.Count > 0)
        {
            GatewayLog.StartupRefused(logger, errors.Count);
        }

        return errors;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_running is null)
        {
            await StartUpstreamsAsync(cancellationToken);
        }
    }

    /// <summary>Stops the supervisors, and with them the stdio upstreams; runs after Kestrel has drained.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_running is not null)
        {
            await _running.WaitAsync(cancellationToken);
        }
    }

    public void Dispose() => _stopping.Dispose();
}
