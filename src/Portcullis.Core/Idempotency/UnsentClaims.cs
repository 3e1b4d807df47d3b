using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Idempotency;

/// <summary>
/// Claims that may hold a key although their call was never sent: the store failed (or the caller left) while the
/// claim was being made, so its answer was lost, or releasing the claim after a failure before sending failed. Left
/// alone, such a key answers in-progress until its lease ends and outcome-unknown after, for a write that never ran.
/// Each is released here by its token, tried again at the back of the queue with a growing pause while the store does
/// not answer, so the client's retry with the same key runs once the store is back. A claim that was never made
/// releases nothing.
/// </summary>
public sealed class UnsentClaims(IIdempotencyStore store, TimeProvider time, ILogger<UnsentClaims> logger)
{
    /// <summary>The most claims waiting at once; past it a claim is logged as abandoned (event 1310).</summary>
    public const int Capacity = 10_000;

    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(Capacity) { SingleReader = true });
    private volatile bool _stopped;

    /// <summary>Queues the release of the claim <paramref name="token"/> may hold on <paramref name="scope"/>.</summary>
    public void Release(IdempotencyScope scope, string token, string correlationId)
    {
        if (!_stopped && _queue.Writer.TryWrite(new Pending(scope, token, correlationId, 0)))
        {
            Log.IdempotencyReleaseDeferred(logger, correlationId);
        }
        else
        {
            Log.IdempotencyReleaseAbandoned(logger, correlationId);
        }
    }

    /// <summary>Releases queued claims until <paramref name="cancellationToken"/> stops the gateway; what is left is logged.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var delay = FirstDelay;
        Pending? current = null;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out var pending))
                {
                    current = pending;
                    try
                    {
                        await store.ReleaseAsync(pending.Scope, pending.Token, cancellationToken).ConfigureAwait(false);
                        current = null;
                        delay = FirstDelay;
                        Log.IdempotencyReleasedLater(logger, pending.CorrelationId, pending.Attempts + 1);
                    }
                    catch (Exception) when (!cancellationToken.IsCancellationRequested)
                    {
                        // Back of the queue, so one claim that cannot be released holds up no other.
                        current = null;
                        if (!_queue.Writer.TryWrite(pending with { Attempts = pending.Attempts + 1 }))
                        {
                            Log.IdempotencyReleaseAbandoned(logger, pending.CorrelationId);
                        }

                        await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
                    }
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            _stopped = true;
            if (current is { } unfinished)
            {
                Log.IdempotencyReleaseAbandoned(logger, unfinished.CorrelationId);
            }

            while (_queue.Reader.TryRead(out var left))
            {
                Log.IdempotencyReleaseAbandoned(logger, left.CorrelationId);
            }
        }
    }

    private sealed record Pending(IdempotencyScope Scope, string Token, string CorrelationId, int Attempts);
}
