using Portcullis.Core.Idempotency;
using Portcullis.Core.Relay;
using Portcullis.Core.Sessions;
using Portcullis.Core.State;
using Portcullis.Diagnostics;

namespace Portcullis.Hosting;

/// <summary>Runs the idempotency purge, and removes expired session handshakes and pending-call routes, for the life of the gateway.</summary>
internal sealed class StatePurgeService(
    IdempotencyPurger purger, ISessionStore sessions, StateClock clock, ILogger<StatePurgeService> logger, IPendingCallRoutes? routes = null) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(IdempotencyPurger.Interval);
        do
        {
            await purger.PurgeOnceAsync(stoppingToken);
            try
            {
                var now = clock.GetUtcNow();
                var expired = await sessions.PurgeAsync(now, stoppingToken);
                expired += routes is null ? 0 : await routes.PurgeAsync(now, stoppingToken);
                GatewayLog.StatePurged(logger, expired);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                GatewayLog.StatePurgeFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
