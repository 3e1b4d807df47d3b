using Portcullis.Core.Configuration;
using Portcullis.Core.State;
using Portcullis.Diagnostics;

namespace Portcullis.Hosting;

/// <summary>
/// This replica's hold on its id in a shared store (<see cref="IReplicaRegistry"/>): taken at start-up before the claims
/// of the id's earlier incarnations are settled, renewed every <see cref="RenewInterval"/>, given up at stop. A second
/// process started with the id of one that is running refuses to start instead of settling, and answering for, the
/// running one's calls; one that finds its id taken while it runs stops.
/// </summary>
internal sealed class ReplicaIdHold(
    IReplicaRegistry registry, ReplicaIdentity replica, StateClock clock, StateOutages outages, TimeProvider time, IHostApplicationLifetime lifetime,
    ILogger<ReplicaIdHold> logger)
    : IDisposable
{
    public static readonly TimeSpan RenewInterval = TimeSpan.FromSeconds(2);

    /// <summary>How long a hold lasts unrenewed: a holder that stops renewing (killed, frozen, cut off) lapses after it.</summary>
    public static readonly TimeSpan HoldFor = TimeSpan.FromSeconds(15);

    /// <summary>A holder that renews nothing for this long is taken for gone, before its hold lapses: a crashed replica restarts sooner.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(6);

    /// <summary>How long stopping waits to give the id up.</summary>
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _stopping = new();
    private Task? _renewing;
    private bool _held;
    private volatile string? _renewalFailure;

    /// <summary>Whether the id was found taken by another process while this one ran (the gateway stopped for it).</summary>
    public bool Lost { get; private set; }

    /// <summary>
    /// Why the last renewal failed (the kind of failure, no address), or null while renewals succeed. A renewal is a write:
    /// a store that still answers reads but takes no writes (read-only, full, unable to persist) fails it, as it fails every call.
    /// </summary>
    public string? RenewalFailure => _renewalFailure;

    /// <summary>
    /// Takes the id: at once when it is free, lapsed or already this process's; after <see cref="StaleAfter"/> when its
    /// holder has not renewed it meanwhile. Returns the error that refuses the start when the holder is running.
    /// </summary>
    public async Task<ConfigError?> TakeAsync(CancellationToken cancellationToken)
    {
        ReplicaHolder? seen = null;
        while (true)
        {
            var now = clock.GetUtcNow();
            var holder = await registry.HoldAsync(replica, now, now + HoldFor, seen, cancellationToken);
            if (holder.Owner == replica.Owner)
            {
                if (seen is not null)
                {
                    GatewayLog.ReplicaIdTakenOver(logger, replica.Id, seen.Owner, Math.Max((now - seen.RenewedAt).TotalSeconds, 0));
                }

                _held = true;
                return null;
            }

            var since = Math.Max((now - holder.RenewedAt).TotalSeconds, 0);
            if (seen is not null && holder.Owner == seen.Owner)
            {
                // It renewed while this process waited: it runs.
                return new ConfigError("$.replica.id",
                    $"'{replica.Id}' is the id of a replica that is running (incarnation {holder.Owner}, renewed {since:F0} s ago): " +
                    "every replica needs its own id (replica.id, or serve --replica-id), or stop the other process first");
            }

            GatewayLog.ReplicaIdHeld(logger, replica.Id, holder.Owner, since, StaleAfter.TotalSeconds);
            seen = holder;
            await Task.Delay(StaleAfter, time, cancellationToken);
        }
    }

    /// <summary>Renews the hold from now on, until <see cref="StopAsync"/>.</summary>
    public void StartRenewing() => _renewing ??= RenewLoopAsync(_stopping.Token);

    private async Task RenewLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(RenewInterval, time);
        var failing = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    var now = clock.GetUtcNow();
                    var holder = await registry.HoldAsync(replica, now, now + HoldFor, null, cancellationToken);
                    if (holder.Owner != replica.Owner)
                    {
                        Lost = true;
                        GatewayLog.ReplicaIdLost(logger, replica.Id, holder.Owner);
                        lifetime.StopApplication();
                        return;
                    }

                    _renewalFailure = null;
                    if (failing > 0)
                    {
                        GatewayLog.ReplicaIdRenewedAgain(logger, replica.Id, failing);
                        failing = 0;
                    }
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // The hold stays this process's until it lapses; a store that stays away fails the calls that need it.
                    _renewalFailure = ex.GetType().Name;

                    // Noted even without calls here: a session opened on another replica meanwhile may not be stored yet.
                    _ = outages.IsOutage(ex);
                    if (failing++ == 0)
                    {
                        GatewayLog.ReplicaIdRenewFailed(logger, replica.Id, HoldFor.TotalSeconds, ex);
                    }
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: whatever the renewal in flight ended with, the id is given up next.
        }
    }

    /// <summary>Stops renewing and gives the id up, so this replica's next incarnation starts at once.</summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync();
        if (_renewing is not null)
        {
            await _renewing;
        }

        if (!_held || Lost)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(ReleaseTimeout, time);
        try
        {
            await registry.ReleaseAsync(replica, timeout.Token).AsTask().WaitAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            // The hold lapses on its own; the next incarnation waits for it.
            GatewayLog.ReplicaIdReleaseFailed(logger, replica.Id, ex);
        }
    }

    public void Dispose() => _stopping.Dispose();
}
