using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Idempotency;

/// <summary>
/// Claims whose settlement the store did not take when the call ended: the release of a call that was never sent
/// (the store failed, or the caller left, while the claim was being made, so the claim may exist with its answer
/// lost; or releasing it after a failure before sending failed), the result of a call that completed, or the
/// outcome-unknown mark of one that failed after it was sent. Left alone, such a key answers in-progress until its
/// lease ends and outcome-unknown after: for a write that never ran, or that ran and whose result the gateway held.
/// Each is settled here by its claim's token, tried again at the back of the queue with a growing pause while the
/// store does not answer, so a retry with the same key gets the true answer once the store is back. A claim that was
/// never made, or that is no longer this token's (an operator settled the key), takes nothing.
/// </summary>
public sealed class UnsettledClaims(IIdempotencyStore store, TimeProvider time, ILogger<UnsettledClaims> logger)
{
    /// <summary>The most claims waiting at once; past it a claim is logged as abandoned (event 1310).</summary>
    public const int Capacity = 10_000;

    /// <summary>The most bytes of held results at once (a result can be as large as <c>limits.max_result_bytes</c>).</summary>
    public const long MaxResultBytes = 64L * 1024 * 1024;

    /// <summary>
    /// Attempts before a settlement is given up (event 1310): one the store refuses for good (not for an outage) must not
    /// keep its place, and its bytes, for ever. At the longest pause that is most of an hour of trying.
    /// </summary>
    public const int MaxAttempts = 100;

    /// <summary>
    /// How long a stopping gateway keeps trying the claims still waiting, within the 15 s the host allows beyond the drain:
    /// a store that blinked as the gateway stopped must not turn a call whose caller got its result into outcome-unknown.
    /// </summary>
    public static readonly TimeSpan LastTry = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(Capacity) { SingleReader = true });
    private long _heldResultBytes;
    private volatile bool _stopped;

    /// <summary>The claim being settled (one reader), so one a stop interrupts is tried again, not dropped.</summary>
    private Pending? _current;

    /// <summary>Queues the release of the claim <paramref name="token"/> may hold on <paramref name="scope"/>: the call was not sent.</summary>
    public void Release(IdempotencyScope scope, string token, string correlationId, Exception cause) =>
        Enqueue(new Pending(scope, token, correlationId, Settlement.Release, null, default, 0), cause);

    /// <summary>Queues the storing of a completed call's result (serialized), as of <paramref name="completedAt"/>.</summary>
    public void Complete(IdempotencyScope scope, string token, string resultJson, DateTimeOffset completedAt, string correlationId, Exception cause)
    {
        // Chars as a bound of the bytes held: a string holds two bytes a char; the budget is about what is kept, not exact.
        var bytes = (long)resultJson.Length * sizeof(char);
        if (Interlocked.Add(ref _heldResultBytes, bytes) > MaxResultBytes)
        {
            Interlocked.Add(ref _heldResultBytes, -bytes);
            Log.IdempotencySettlementAbandoned(logger, correlationId, Describe(Settlement.Complete));
            return;
        }

        Enqueue(new Pending(scope, token, correlationId, Settlement.Complete, resultJson, completedAt, 0), cause);
    }

    /// <summary>Queues the outcome-unknown mark of a call that was sent and failed, as of <paramref name="at"/>.</summary>
    public void MarkUnknown(IdempotencyScope scope, string token, DateTimeOffset at, string correlationId, Exception cause) =>
        Enqueue(new Pending(scope, token, correlationId, Settlement.MarkUnknown, null, at, 0), cause);

    /// <summary>
    /// Settles queued claims until <paramref name="cancellationToken"/> stops the gateway, then keeps trying what is
    /// left until <see cref="LastTry"/> after the stop, so a store that blinked as the gateway stopped still gets them;
    /// what is left after that is logged as abandoned.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Counted from the stop, not from the end of the store call it interrupted: a store that does not heed
        // cancellation (StackExchange.Redis answers at its own timeout, whatever the token) would stretch the stop by
        // that call, and by the last try's own, into the time the upstreams and the audit trail stop in.
        using (var lastTry = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time))
        using (cancellationToken.Register(() => lastTry.CancelAfter(LastTry)))
        {
            try
            {
                await SettleQueuedAsync(untilEmpty: false, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
            }

            try
            {
                await SettleQueuedAsync(untilEmpty: true, lastTry.Token).ConfigureAwait(false);
            }
            catch (Exception) when (lastTry.IsCancellationRequested)
            {
            }
        }

        // Completed before the queue is emptied: a settlement queued from here on is abandoned by its own call, and logged.
        _stopped = true;
        _queue.Writer.TryComplete();
        if (_current is { } unfinished)
        {
            _current = null;
            Abandon(unfinished);
        }

        while (_queue.Reader.TryRead(out var left))
        {
            Abandon(left);
        }
    }

    /// <summary>
    /// Settles claims in order, each failure tried again at the back of the queue after a growing pause, until
    /// <paramref name="cancellationToken"/> ends it or, with <paramref name="untilEmpty"/>, until nothing waits.
    /// </summary>
    private async Task SettleQueuedAsync(bool untilEmpty, CancellationToken cancellationToken)
    {
        var delay = FirstDelay;
        while (true)
        {
            // A claim the stop interrupted while its store call ran is the first of the last try.
            var pending = _current;
            if (pending is null)
            {
                if (_queue.Reader.TryRead(out var next))
                {
                    pending = _current = next;
                }
                else if (untilEmpty || !await _queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
                else
                {
                    continue;
                }
            }

            try
            {
                // Waited for no longer than the token allows, whether the store heeds it or not: a settlement is
                // keyed by its claim's token, so one still running when it is tried again takes effect once.
                var taken = await SettleAsync(pending, cancellationToken).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
                _current = null;
                delay = FirstDelay;
                Forget(pending);
                if (taken || pending.Kind == Settlement.Release)
                {
                    Log.IdempotencySettledLater(logger, pending.CorrelationId, Describe(pending.Kind), pending.Attempts + 1);
                }
                else
                {
                    Log.IdempotencyClaimLost(logger, pending.CorrelationId);
                }
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Back of the queue, so one claim that cannot be settled holds up no other.
                _current = null;
                if (pending.Attempts + 1 >= MaxAttempts || !_queue.Writer.TryWrite(pending with { Attempts = pending.Attempts + 1 }))
                {
                    Abandon(pending);
                }

                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }

    private void Enqueue(Pending pending, Exception cause)
    {
        if (!_stopped && _queue.Writer.TryWrite(pending))
        {
            Log.IdempotencySettlementDeferred(logger, pending.CorrelationId, Describe(pending.Kind), cause);
        }
        else
        {
            Abandon(pending);
        }
    }

    private ValueTask<bool> SettleAsync(Pending pending, CancellationToken cancellationToken) => pending.Kind switch
    {
        Settlement.Complete => store.CompleteAsync(pending.Scope, pending.Token, pending.ResultJson!, pending.At, cancellationToken),
        Settlement.MarkUnknown => store.MarkUnknownAsync(pending.Scope, pending.Token, pending.At, cancellationToken),
        _ => store.ReleaseAsync(pending.Scope, pending.Token, cancellationToken),
    };

    private void Abandon(Pending pending)
    {
        Forget(pending);
        Log.IdempotencySettlementAbandoned(logger, pending.CorrelationId, Describe(pending.Kind));
    }

    private void Forget(Pending pending)
    {
        if (pending.ResultJson is { } json)
        {
            Interlocked.Add(ref _heldResultBytes, -(long)json.Length * sizeof(char));
        }
    }

    private static string Describe(Settlement kind) => kind switch
    {
        Settlement.Complete => "result (the call completed)",
        Settlement.MarkUnknown => "outcome-unknown mark (the call was sent and failed)",
        _ => "release (the call was not sent)",
    };

    private enum Settlement
    {
        Release,
        Complete,
        MarkUnknown,
    }

    private sealed record Pending(IdempotencyScope Scope, string Token, string CorrelationId, Settlement Kind, string? ResultJson, DateTimeOffset At, int Attempts);
}
