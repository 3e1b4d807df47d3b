using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portcullis.Core.State;
using Portcullis.Hosting;

namespace Portcullis.Health;

/// <summary>Not ready until the state store is ready: its clock measured, its schema in place, abandoned claims settled.</summary>
internal sealed class StateStoreHealthCheck(IStateStore store, StateReadiness readiness) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(readiness.IsReady
            ? HealthCheckResult.Healthy($"the {store.Name} store is ready")
            : HealthCheckResult.Unhealthy($"the {store.Name} store is not ready yet"));
}
