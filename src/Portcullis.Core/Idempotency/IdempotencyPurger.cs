using Microsoft.Extensions.Logging;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Idempotency;

/// <summary>Deletes idempotency records older than the retention: once at start, then every <see cref="Interval"/>.</summary>
/// <remarks>Only clean-up: expiry is judged from stored timestamps on every claim, purged or not.</remarks>
internal sealed class IdempotencyPurger(IIdempotencyStore store, GatewayConfig config, TimeProvider time, ILogger<IdempotencyPurger> logger)
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    private readonly TimeSpan _retention = TimeSpan.FromHours(config.Idempotency.RetentionHours);

    /// <summary>Purges until cancelled; a failed purge is logged and tried again at the next tick.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            await PurgeOnceAsync(cancellationToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    public async Task PurgeOnceAsync(CancellationToken cancellationToken)
    {
        var before = time.GetUtcNow() - _retention;
        try
        {
            var count = await store.PurgeAsync(before, cancellationToken).ConfigureAwait(false);
            Log.IdempotencyPurged(logger, count, before);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.IdempotencyPurgeFailed(logger, ex);
        }
    }
}
