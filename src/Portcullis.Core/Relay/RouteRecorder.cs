using Portcullis.Core.State;

namespace Portcullis.Core.Relay;

/// <summary>
/// Records in the state store which replica holds something another replica may be sent (a pending multi round-trip
/// call, a session's question). A record the store did not take (an outage) is put again every
/// <see cref="RecordAgainEvery"/> in the background, until the store takes it, the record's life is over, its caller no
/// longer wants it, or the host stops: a request reaching another replica once the store is back is then forwarded here.
/// </summary>
/// <remarks>
/// At most <see cref="MaxRecordingAgain"/> records are put again at once in the whole process, whoever asks: past it, a
/// record the store did not take stays unrecorded, as its caller's first failure (logged by the caller) says.
/// </remarks>
internal sealed class RouteRecorder(IPendingCallRoutes? routes, StateClock clock, CancellationToken stopping, int maxRecordingAgain = RouteRecorder.MaxRecordingAgain)
{
    /// <summary>How often a record the store did not take is put again.</summary>
    public static readonly TimeSpan RecordAgainEvery = TimeSpan.FromSeconds(1);

    /// <summary>How long one put may take.</summary>
    public static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(5);

    /// <summary>At most this many records are put again in the background at once.</summary>
    public const int MaxRecordingAgain = 10_000;

    private int _recordingAgain;

    /// <summary>Whether there is a store to record in (one replica keeps none).</summary>
    public bool Enabled => routes is not null;

    /// <summary>How many records are being put again now.</summary>
    public int RecordingAgain => Volatile.Read(ref _recordingAgain);

    /// <summary>Puts <paramref name="route"/> under <paramref name="key"/> within <see cref="StoreTimeout"/>: null once the store took it, else what it failed with.</summary>
    /// <remarks>Only the cancellation of <paramref name="cancellationToken"/> is thrown.</remarks>
    public async ValueTask<Exception?> PutAsync(string key, PendingCallRoute route, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(StoreTimeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await routes!.PutAsync(key, route, clock.GetUtcNow(), linked.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return ex;
        }
    }

    /// <summary>
    /// Puts <paramref name="route"/> again every <see cref="RecordAgainEvery"/> until the store takes it (then
    /// <paramref name="recorded"/> is told after how many attempts), its expiry passes, <paramref name="wanted"/> turns
    /// false, <paramref name="cancellationToken"/> fires or the host stops. Not started past <see cref="MaxRecordingAgain"/>.
    /// </summary>
    /// <returns>The attempts' task, for the caller to leave running; it never fails.</returns>
    public Task RecordAgainAsync(string key, PendingCallRoute route, Func<bool> wanted, Action<int> recorded, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _recordingAgain) > maxRecordingAgain)
        {
            Interlocked.Decrement(ref _recordingAgain);
            return Task.CompletedTask;
        }

        return AgainAsync(key, route, wanted, recorded, cancellationToken);
    }

    private async Task AgainAsync(string key, PendingCallRoute route, Func<bool> wanted, Action<int> recorded, CancellationToken cancellationToken)
    {
        try
        {
            using var over = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
            for (var attempts = 1; ; attempts++)
            {
                await Task.Delay(RecordAgainEvery, clock, over.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (over.IsCancellationRequested || clock.GetUtcNow() >= route.ExpiresAt || !wanted())
                {
                    return;
                }

                try
                {
                    if (await PutAsync(key, route, over.Token).ConfigureAwait(false) is null)
                    {
                        recorded(attempts);
                        return;
                    }
                }
                catch (OperationCanceledException) when (over.IsCancellationRequested)
                {
                    return;
                }

                // Still out of reach: the first failure was logged by the caller.
            }
        }
        finally
        {
            Interlocked.Decrement(ref _recordingAgain);
        }
    }
}
