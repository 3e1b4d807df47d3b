using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portcullis.Core.State;
using Portcullis.Hosting;

namespace Portcullis.Health;

/// <summary>
/// Not ready until the state store is ready (its clock measured, its schema in place, abandoned claims settled), and
/// from then on not ready while it does not answer: each probe reads the store's clock, the cheapest question every
/// store answers, within <see cref="ProbeTimeout"/>. Probes that come faster than <see cref="Reuse"/> share the last
/// answer, so a busy balancer cannot turn readiness into load on the store. A shared store must also take writes: one
/// whose clock answers while it refuses every write (a read-only standby, a full Redis) fails every call, so the last
/// renewal of this replica's id (<see cref="ReplicaIdHold"/>, a write every 2 s) must have worked.
/// </summary>
internal sealed class StateStoreHealthCheck(IStateStore store, StateReadiness readiness, TimeProvider time, ReplicaIdHold? hold = null) : IHealthCheck
{
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan Reuse = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private Task<HealthCheckResult>? _probe;
    private long _probedAt;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!readiness.IsReady)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"the {store.Name} store is not ready yet"));
        }

        Task<HealthCheckResult> probe;
        lock (_gate)
        {
            if (_probe is null || (_probe.IsCompleted && time.GetElapsedTime(_probedAt) >= Reuse))
            {
                _probedAt = time.GetTimestamp();
                _probe = ProbeAsync();
            }

            probe = _probe;
        }

        return probe.WaitAsync(cancellationToken);
    }

    private async Task<HealthCheckResult> ProbeAsync()
    {
        // A shared probe belongs to no single request: it ends at its own timeout, not when one caller goes away.
        using var timeout = new CancellationTokenSource(ProbeTimeout, time);
        try
        {
            await store.GetTimeAsync(timeout.Token).AsTask().WaitAsync(ProbeTimeout, time, timeout.Token).ConfigureAwait(false);
            return hold?.RenewalFailure is { } failure
                ? HealthCheckResult.Unhealthy($"the {store.Name} store takes no writes (its last write failed: {failure})")
                : HealthCheckResult.Healthy($"the {store.Name} store answers");
        }
        catch (Exception ex)
        {
            var why = ex is TimeoutException or OperationCanceledException ? $"no answer within {ProbeTimeout.TotalSeconds:0} s" : ex.GetType().Name;
            return HealthCheckResult.Unhealthy($"the {store.Name} store does not answer ({why})");
        }
    }
}
