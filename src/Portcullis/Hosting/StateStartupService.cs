using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.State;
using Portcullis.Diagnostics;

namespace Portcullis.Hosting;

/// <summary>
/// Makes the state store ready before the gateway listens (<see cref="StartupGate"/> calls <see cref="ReadyAsync"/>):
/// its clock measured, its schema created or migrated, this replica's id held (a shared store: <see cref="ReplicaIdHold"/>),
/// the claims this replica's previous incarnation left in flight settled. A store that is not there yet is retried, so
/// replicas may start before their store. Afterwards the clock is measured again every half minute.
/// </summary>
internal sealed class StateStartupService(
    IStateStore store, StateClock clock, ReplicaIdentity replica, StateReadiness readiness, GatewayTelemetry telemetry, ILogger<StateStartupService> logger,
    ReplicaIdHold? hold = null)
    : IHostedService, IDisposable
{
    public static readonly TimeSpan ClockInterval = TimeSpan.FromSeconds(30);

    /// <summary>Beyond this the hosts' clocks disagree with the store's enough to matter for tokens and logs.</summary>
    public static readonly TimeSpan SkewWarning = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stopping = new();
    private Task? _clockLoop;

    /// <summary>
    /// Returns once the store is ready, retrying a store that does not answer yet; or the error that refuses the start
    /// (this replica's id held by a process that is running).
    /// </summary>
    public async Task<ConfigError?> ReadyAsync(CancellationToken cancellationToken)
    {
        if (readiness.IsReady)
        {
            return null;
        }

        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await SynchronizeAsync(cancellationToken);
                await store.PrepareAsync(cancellationToken);
                if (hold is not null)
                {
                    if (await hold.TakeAsync(cancellationToken) is { } refused)
                    {
                        return refused;
                    }

                    // Renewed from now on, so a settlement that takes long (or is retried) never lets the id lapse.
                    hold.StartRenewing();
                }

                var settled = await store.RecoverAsync(clock.GetUtcNow(), cancellationToken);
                if (settled > 0)
                {
                    // Keys a person must settle, as much as those marked while the gateway runs, for the same alert.
                    telemetry.IdempotencyRecovered(settled);
                }

                GatewayLog.StateReady(logger, store.Name, replica.Owner, settled, clock.Offset.TotalMilliseconds);
                break;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                GatewayLog.StateNotReady(logger, store.Name, delay.TotalMilliseconds, ex);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
            }
        }

        readiness.MarkReady();
        return null;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await ReadyAsync(cancellationToken) is { } refused)
        {
            throw new ConfigException("state", [refused]);
        }

        _clockLoop = ClockLoopAsync(_stopping.Token);
    }

    private async Task SynchronizeAsync(CancellationToken cancellationToken)
    {
        var (offset, roundTrip) = await clock.SynchronizeAsync(store, cancellationToken);
        if (offset.Duration() > SkewWarning)
        {
            GatewayLog.ClockSkew(logger, store.Name, offset.TotalMilliseconds, roundTrip.TotalMilliseconds);
        }
    }

    private async Task ClockLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ClockInterval);
        var tick = timer.WaitForNextTickAsync(cancellationToken).AsTask();
        try
        {
            while (true)
            {
                // Every half minute, and at once when the host's wall and monotonic clocks part (a step, a suspend).
                if (await Task.WhenAny(tick, clock.Diverged) == tick)
                {
                    if (!await tick)
                    {
                        return;
                    }

                    tick = timer.WaitForNextTickAsync(cancellationToken).AsTask();
                }

                try
                {
                    await SynchronizeAsync(cancellationToken);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // The last measurement stays in force; a store that does not answer fails the calls that need it. A
                    // divergence still unmeasured is tried again a second later, not in a loop.
                    GatewayLog.ClockSyncFailed(logger, store.Name, ex);
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_clockLoop is not null)
        {
            await _clockLoop;
        }

        if (hold is not null)
        {
            await hold.StopAsync();
        }
    }

    public void Dispose() => _stopping.Dispose();
}
