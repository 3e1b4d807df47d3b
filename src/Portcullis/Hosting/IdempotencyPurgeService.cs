using Portcullis.Core.Configuration;
using Portcullis.Core.Idempotency;
using Portcullis.Diagnostics;

namespace Portcullis.Hosting;

/// <summary>Deletes idempotency records older than the retention, at start and then every hour.</summary>
/// <remarks>Only clean-up: expiry is judged from stored timestamps on every claim, purged or not.</remarks>
internal sealed class IdempotencyPurgeService(IIdempotencyStore store, GatewayConfig config, TimeProvider time, ILogger<IdempotencyPurgeService> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retention = TimeSpan.FromHours(config.Idempotency.RetentionHours);
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            var before = time.GetUtcNow() - retention;
            try
            {
                var count = await store.PurgeAsync(before, stoppingToken);
                GatewayLog.IdempotencyPurged(logger, count, before);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                GatewayLog.IdempotencyPurgeFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
