namespace Portcullis.Core.State;

/// <summary>
/// The store's clock as seen from this replica: the local clock plus the offset last measured against the store,
/// so every replica stamps leases, expiries and retention with one clock whatever its host's clock says.
/// </summary>
public sealed class StateClock(TimeProvider local) : TimeProvider
{
    private long _offsetTicks;

    /// <summary>The store's clock minus the local clock, as last measured.</summary>
    public TimeSpan Offset => TimeSpan.FromTicks(Volatile.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => local.GetUtcNow() + Offset;

    public override long GetTimestamp() => local.GetTimestamp();

    public override long TimestampFrequency => local.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => local.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        local.CreateTimer(callback, state, dueTime, period);

    /// <summary>How many reads one measurement takes; the one with the shortest round trip is kept.</summary>
    internal const int Samples = 3;

    /// <summary>
    /// Measures the offset: the store's time against the midpoint of the local times around the read, from the read
    /// with the shortest round trip of <see cref="Samples"/> (the first may open a connection, which makes its round
    /// trip long and lopsided: against a store on the same host it read about 100 ms of offset that was not there).
    /// </summary>
    /// <returns>The measured offset and the round trip it was measured over.</returns>
    public async ValueTask<(TimeSpan Offset, TimeSpan RoundTrip)> SynchronizeAsync(IStateStore store, CancellationToken cancellationToken)
    {
        var best = (Offset: TimeSpan.Zero, RoundTrip: TimeSpan.MaxValue);
        for (var i = 0; i < Samples; i++)
        {
            // The round trip on the monotonic clock (a step of the wall clock must not make a read look quickest).
            var started = local.GetTimestamp();
            var before = local.GetUtcNow();
            var storeNow = await store.GetTimeAsync(cancellationToken).ConfigureAwait(false);
            var roundTrip = local.GetElapsedTime(started);
            if (roundTrip < best.RoundTrip)
            {
                best = (storeNow - (before + (roundTrip / 2)), roundTrip);
            }
        }

        Volatile.Write(ref _offsetTicks, best.Offset.Ticks);
        return best;
    }
}
