using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portcullis.Core.Lifecycle;

namespace Portcullis.Health;

/// <summary>Not ready once SIGTERM has started the drain: a load balancer stops sending new calls.</summary>
internal sealed class DrainHealthCheck(GatewayDrain drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining
            ? HealthCheckResult.Unhealthy("the gateway is shutting down: calls in flight are draining")
            : HealthCheckResult.Healthy());
}
