namespace Portcullis.Core.State;

/// <summary>
/// The store's clock as seen from this replica, so every replica stamps leases, expiries and retention with one clock
/// whatever its host's clock says: the store's time read at the last measurement, carried forward on the local
/// monotonic clock. A step of the host's wall clock (NTP correcting it, an operator setting it) moves nothing here.
/// The monotonic clock stops while the host is suspended, which the wall clock counts: when the two part by more than
/// <see cref="MaxDivergence"/> since the last measurement, <see cref="Diverged"/> completes and the measurement loop
/// measures again at once rather than at its next half minute.
/// </summary>
public sealed class StateClock : TimeProvider
{
    /// <summary>How far the host's wall and monotonic clocks may part since a measurement before it is taken again.</summary>
    public static readonly TimeSpan MaxDivergence = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _local;
    private Anchor _anchor;
    private TaskCompletionSource _diverged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StateClock(TimeProvider local)
    {
        _local = local;
        // Until the first measurement the host's clock stands in for the store's.
        var now = local.GetUtcNow();
        _anchor = new Anchor(now, local.GetTimestamp(), now);
    }

    /// <summary>Completes once the host's wall and monotonic clocks part (a step, a suspend) since the last measurement.</summary>
    public Task Diverged => Volatile.Read(ref _diverged).Task;

    /// <summary>The store's clock minus the local wall clock, as last measured (reported, not used to tell the time).</summary>
    public TimeSpan Offset
    {
        get
        {
            var anchor = Volatile.Read(ref _anchor);
            return anchor.StoreTime - anchor.WallTime;
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        var anchor = Volatile.Read(ref _anchor);
        var elapsed = _local.GetElapsedTime(anchor.Timestamp);
        var diverged = Volatile.Read(ref _diverged);
        if (!diverged.Task.IsCompleted && (_local.GetUtcNow() - anchor.WallTime - elapsed).Duration() > MaxDivergence)
        {
            diverged.TrySetResult();
        }

        return anchor.StoreTime + elapsed;
    }

    public override long GetTimestamp() => _local.GetTimestamp();

    public override long TimestampFrequency => _local.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => _local.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _local.CreateTimer(callback, state, dueTime, period);

    /// <summary>How many reads one measurement takes; the one with the shortest round trip is kept.</summary>
    internal const int Samples = 3;

    /// <summary>
    /// Measures the store's time against the midpoint of the local times around the read, from the read with the
    /// shortest round trip of <see cref="Samples"/> (the first may open a connection, which makes its round trip long and
    /// lopsided: against a store on the same host it read about 100 ms of offset that was not there).
    /// </summary>
    /// <returns>The measured offset to the local wall clock and the round trip it was measured over.</returns>
    public async ValueTask<(TimeSpan Offset, TimeSpan RoundTrip)> SynchronizeAsync(IStateStore store, CancellationToken cancellationToken)
    {
        var best = (RoundTrip: TimeSpan.MaxValue, Anchor: (Anchor?)null);
        for (var i = 0; i < Samples; i++)
        {
            // The round trip on the monotonic clock (a step of the wall clock must not make a read look quickest).
            var started = _local.GetTimestamp();
            var before = _local.GetUtcNow();
            var storeNow = await store.GetTimeAsync(cancellationToken).ConfigureAwait(false);
            var ended = _local.GetTimestamp();
            var roundTrip = _local.GetElapsedTime(started, ended);
            if (roundTrip < best.RoundTrip)
            {
                best = (roundTrip, new Anchor(storeNow, started + ((ended - started) / 2), before + (roundTrip / 2)));
            }
        }

        Volatile.Write(ref _anchor, best.Anchor!);
        if (Volatile.Read(ref _diverged).Task.IsCompleted)
        {
            Volatile.Write(ref _diverged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        return (Offset, best.RoundTrip);
    }

    /// <summary>The store's time, and the local monotonic timestamp and wall time it was read at.</summary>
    private sealed record Anchor(DateTimeOffset StoreTime, long Timestamp, DateTimeOffset WallTime);
}
