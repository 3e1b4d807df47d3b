using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Idempotency;

/// <summary>
/// Claims that may hold a key although their call was never sent: the store failed (or the caller left) while the
/// claim was being made, so its answer was lost, or releasing the claim after a failure before sending failed. Left
/// alone, such a key answers in-progress until its lease ends and outcome-unknown after, for a write that never ran.
/// Each is released here by its token, again and again with a growing delay while the store does not answer, so the
/// client's retry with the same key runs once the store is back. A claim that was never made releases nothing.
/// </summary>
public sealed class UnsentClaims(IIdempotencyStore store, TimeProvider time, ILogger<UnsentClaims> logger)
{
    /// <summary>The most claims waiting at once; past it a claim is logged as abandoned (event 1310).</summary>
    public const int Capacity = 10_000;

    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    private readonly Channel<(IdempotencyScope Scope, string Token, string CorrelationId)> _queue =
        Channel.CreateBounded<(IdempotencyScope, string, string)>(new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Queues the release of the claim <paramref name="token"/> may hold on <paramref name="scope"/>.</summary>
    public void Release(IdempotencyScope scope, string token, string correlationId)
    {
        if (_queue.Writer.TryWrite((scope, token, correlationId)))
        {
            Log.IdempotencyReleaseDeferred(logger, correlationId);
        }
        else
        {
            Log.IdempotencyReleaseAbandoned(logger, correlationId);
        }
    }

    /// <summary>Releases queued claims, one at a time, until <paramref name="cancellationToken"/> stops the gateway.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string? current = null;
        try
        {
            await foreach (var (scope, token, correlationId) in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                current = correlationId;
                var delay = FirstDelay;
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await store.ReleaseAsync(scope, token, cancellationToken).ConfigureAwait(false);
                        Log.IdempotencyReleasedLater(logger, correlationId, attempt);
                        current = null;
                        break;
                    }
                    catch (Exception) when (!cancellationToken.IsCancellationRequested)
                    {
                        await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (current is not null)
            {
                Log.IdempotencyReleaseAbandoned(logger, current);
            }

            while (_queue.Reader.TryRead(out var left))
            {
                Log.IdempotencyReleaseAbandoned(logger, left.CorrelationId);
            }
        }
    }
}
