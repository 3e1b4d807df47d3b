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
/// The sessions are read in batches (one round trip each where the store allows); a session whose handshake is not in
/// the store because its save failed (<see cref="UnsavedHandshakes"/>) has it saved now, so it can continue elsewhere. A store outage stops the check at once, quietly (the calls and
/// <c>/readyz</c> report it); any other failure stops it too and is logged, at most once a minute.
/// </summary>
internal sealed class SessionSweepService(
    SessionOwners owners, ISessionStore sessions, UnsavedHandshakes unsaved, StateClock clock, StateOutages outages, TimeProvider time, ILogger<SessionSweepService> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan WarnEvery = TimeSpan.FromMinutes(1);

    /// <summary>How many sessions one read of the store asks for.</summary>
    private const int Batch = 500;

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
        var live = owners.Live().ToDictionary(s => s.SessionId, s => s.Connector, StringComparer.Ordinal);
        if (!unsaved.IsEmpty)
        {
            unsaved.KeepOnly(live.Keys.ToHashSet(StringComparer.Ordinal), time);
        }

        foreach (var batch in live.Keys.Chunk(Batch))
        {
            try
            {
                await CheckAsync(batch, live, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // An outage stops the check quietly; anything else is worth a warning, now and then.
                var now = time.GetTimestamp();
                if (!outages.IsOutage(ex) && (_warnedAt == 0 || time.GetElapsedTime(_warnedAt, now) >= WarnEvery))
                {
                    _warnedAt = now;
                    GatewayLog.SessionSweepFailed(logger, live.Count, (int)Interval.TotalSeconds, ex);
                }

                return;
            }
        }
    }

    private async Task CheckAsync(string[] sessionIds, Dictionary<string, string> connectors, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var stored = await sessions.GetManyAsync(sessionIds, now, cancellationToken);
        if (!unsaved.IsEmpty)
        {
            var found = stored.Select(r => r.SessionId).ToHashSet(StringComparer.Ordinal);
            foreach (var sessionId in sessionIds)
            {
                if (!found.Contains(sessionId) && unsaved.TryGet(sessionId, out var handshake))
                {
                    await sessions.SaveAsync(handshake with { ExpiresAt = now + SessionRecord.Lifetime }, now, cancellationToken);
                    unsaved.Remove(sessionId);
                    if (!owners.IsLive(sessionId))
                    {
                        // Its client ended it while the save was under way: the stored handshake is marked ended at once.
                        await sessions.EndAsync(sessionId, now, cancellationToken);
                        continue;
                    }

                    GatewayLog.SessionSavedLater(logger, LogText.Safe(sessionId, 64));
                }
                else if (found.Contains(sessionId))
                {
                    unsaved.Remove(sessionId);
                }
            }
        }

        foreach (var record in stored)
        {
            if (record.Ended)
            {
                if (owners.End(record.SessionId))
                {
                    GatewayLog.SessionEndedElsewhere(logger, LogText.Safe(record.SessionId, 64), connectors.GetValueOrDefault(record.SessionId, "-"));
                }
            }
            else if (record.RenewedAt(now) is { } renewed)
            {
                await sessions.SaveAsync(renewed, now, cancellationToken);
            }
        }
    }
}
