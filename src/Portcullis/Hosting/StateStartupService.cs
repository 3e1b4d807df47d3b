using Portcullis.Core.State;
using Portcullis.Diagnostics;

namespace Portcullis.Hosting;

/// <summary>
/// Makes the state store ready before the gateway listens (<see cref="StartupGate"/> calls <see cref="ReadyAsync"/>):
/// its clock measured, its schema created or migrated, the claims this replica's previous incarnation left in flight
/// settled. A store that is not there yet is retried, so replicas may start before their store. Afterwards the
/// clock is measured again every half minute.
/// </summary>
internal sealed class StateStartupService(IStateStore store, StateClock clock, ReplicaIdentity replica, StateReadiness readiness, ILogger<StateStartupService> logger)
    : IHostedService, IDisposable
{
    public static readonly TimeSpan ClockInterval = TimeSpan.FromSeconds(30);

    /// <summary>Beyond this the hosts' clocks disagree with the store's enough to matter for tokens and logs.</summary>
    public static readonly TimeSpan SkewWarning = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stopping = new();
    private Task? _clockLoop;

    /// <summary>Returns once the store is ready, retrying a store that does not answer yet.</summary>
    public async Task ReadyAsync(CancellationToken cancellationToken)
    {
        if (readiness.IsReady)
        {
            return;
        }

        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await SynchronizeAsync(cancellationToken);
                var settled = await store.StartAsync(clock.GetUtcNow(), cancellationToken);
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
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
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
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await SynchronizeAsync(cancellationToken);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // The last offset stays in force; a store that does not answer fails the calls that need it.
                    GatewayLog.ClockSyncFailed(logger, store.Name, ex);
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
    }

    public void Dispose() => _stopping.Dispose();
}
