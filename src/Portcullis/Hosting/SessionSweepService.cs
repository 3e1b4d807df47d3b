using Portcullis.Core.Diagnostics;
using Portcullis.Core.Sessions;
using Portcullis.Core.State;
using Portcullis.Diagnostics;
using Portcullis.Downstream;

namespace Portcullis.Hosting;

/// <summary>
/// Every <see cref="Interval"/>, checks the 2025-11-25 sessions this replica holds against the state store: one its
/// client ended on another replica ends here too (answered as unknown from then on), and one in use for longer than
/// half its stored lifetime has that lifetime renewed, so it can still continue on another replica after a day.
/// A session whose handshake is not in the store (its save failed) is left as it is. A store outage stops the check
/// at once, quietly (the calls and <c>/readyz</c> report it); any other failure is logged, at most once a minute.
/// </summary>
internal sealed class SessionSweepService(
    SessionOwners owners, ISessionStore sessions, StateClock clock, StateOutages outages, TimeProvider time, ILogger<SessionSweepService> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan WarnEvery = TimeSpan.FromMinutes(1);

    /// <summary>How many sessions are looked up at once.</summary>
    private const int Parallelism = 8;

    private long _warnedAt;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await SweepOnceAsync(stoppingToken);
        }
    }

    private async Task SweepOnceAsync(CancellationToken stoppingToken)
    {
        var failed = 0;
        Exception? defect = null;
        using var outage = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = outage.Token };
        try
        {
            await Parallel.ForEachAsync(owners.Live().ToArray(), options, async (session, ct) =>
            {
                try
                {
                    await CheckAsync(session.SessionId, session.Connector, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    // Stopping, or another check found the store out.
                }
                catch (Exception ex)
                {
                    if (outages.IsOutage(ex))
                    {
                        await outage.CancelAsync();
                        return;
                    }

                    Interlocked.Increment(ref failed);
                    defect = ex;
                }
            });
        }
        catch (OperationCanceledException)
        {
            // Stopping, or the store is out: the next interval tries again.
        }

        var now = time.GetTimestamp();
        if (defect is not null && !stoppingToken.IsCancellationRequested && (_warnedAt == 0 || time.GetElapsedTime(_warnedAt, now) >= WarnEvery))
        {
            _warnedAt = now;
            GatewayLog.SessionSweepFailed(logger, failed, (int)Interval.TotalSeconds, defect);
        }
    }

    private async Task CheckAsync(string sessionId, string connector, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var record = await sessions.GetAsync(sessionId, now, cancellationToken);
        if (record is null)
        {
            return;
        }

        if (record.Ended)
        {
            if (owners.End(sessionId))
            {
                GatewayLog.SessionEndedElsewhere(logger, LogText.Safe(sessionId, 64), connector);
            }

            return;
        }

        if (record.RenewedAt(now) is { } renewed)
        {
            await sessions.SaveAsync(renewed, now, cancellationToken);
        }
    }
}
