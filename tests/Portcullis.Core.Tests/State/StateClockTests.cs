using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.State;

namespace Portcullis.Core.Tests.State;

public sealed class StateClockTests
{
    /// <summary>
    /// The first read opens a connection: 200 ms pass before the store reads its clock and none after. Taken alone it
    /// would put the store 150 ms ahead; the store is 50 ms ahead, as the quick reads after it show.
    /// </summary>
    [Fact]
    public async Task Synchronize_FirstReadSlowAndLopsided_KeepsTheQuickestRead()
    {
        var local = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
        var store = new StoreAhead(local, TimeSpan.FromMilliseconds(50));
        var clock = new StateClock(local);

        var (offset, roundTrip) = await clock.SynchronizeAsync(store, CancellationToken.None);

        Assert.Equal(TimeSpan.FromMilliseconds(50), offset);
        Assert.Equal(TimeSpan.FromMilliseconds(2), roundTrip);
        Assert.Equal(local.GetUtcNow() + TimeSpan.FromMilliseconds(50), clock.GetUtcNow());
        Assert.Equal(StateClock.Samples, store.Reads);
    }

    /// <summary>
    /// Before, the host's wall clock stepped back a day (NTP correcting a host that started a day ahead) moved the
    /// clock a day back until the next measurement, 30 s later: records claimed then were stamped a day old, past
    /// their retention for every replica, and a retry of such a write would run again.
    /// </summary>
    [Theory]
    [InlineData(-25)]
    [InlineData(25)]
    public async Task GetUtcNow_HostWallClockStepsBetweenMeasurements_FollowsTheStoreNotTheStep(int hours)
    {
        var monotonic = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
        var host = new SteppingWallClock(monotonic);
        var store = new StoreAhead(monotonic, TimeSpan.FromMilliseconds(50));
        var clock = new StateClock(host);
        await clock.SynchronizeAsync(store, CancellationToken.None);
        var measured = clock.GetUtcNow();
        Assert.False(clock.Diverged.IsCompleted);

        host.Step(TimeSpan.FromHours(hours));
        monotonic.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(measured + TimeSpan.FromSeconds(10), clock.GetUtcNow());
        Assert.Equal(monotonic.GetUtcNow() + TimeSpan.FromMilliseconds(50), clock.GetUtcNow());
        // The host's clocks parted: the measurement loop is woken at once.
        Assert.True(clock.Diverged.IsCompleted);

        // The next measurement reports how far the host's clock now is from the store's, and the time stays the store's.
        var (offset, _) = await clock.SynchronizeAsync(store, CancellationToken.None);
        Assert.Equal(TimeSpan.FromMilliseconds(50) - TimeSpan.FromHours(hours), offset);
        Assert.Equal(monotonic.GetUtcNow() + TimeSpan.FromMilliseconds(50), clock.GetUtcNow());
        Assert.False(clock.Diverged.IsCompleted);
    }

    /// <summary>
    /// The host was suspended for two hours: its monotonic clock stopped, its wall clock did not, and the store's time
    /// went on. The clock cannot know that on its own; it wakes the measurement loop, whose next measurement puts it right.
    /// </summary>
    [Fact]
    public async Task GetUtcNow_HostSuspended_WakesTheMeasurementAndFollowsTheStoreAfterIt()
    {
        var monotonic = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
        var host = new SteppingWallClock(monotonic);
        var store = new StoreAhead(monotonic, TimeSpan.FromMilliseconds(50));
        var clock = new StateClock(host);
        await clock.SynchronizeAsync(store, CancellationToken.None);

        host.Step(TimeSpan.FromHours(2));
        store.Skip(TimeSpan.FromHours(2));
        _ = clock.GetUtcNow();
        Assert.True(clock.Diverged.IsCompleted);

        await clock.SynchronizeAsync(store, CancellationToken.None);
        Assert.Equal(host.GetUtcNow() + TimeSpan.FromMilliseconds(50), clock.GetUtcNow());
    }

    /// <summary>A host whose wall clock can be stepped while its monotonic clock (the fake's) runs on undisturbed.</summary>
    private sealed class SteppingWallClock(FakeTimeProvider monotonic) : TimeProvider
    {
        private TimeSpan _step;

        public void Step(TimeSpan by) => _step += by;

        public override DateTimeOffset GetUtcNow() => monotonic.GetUtcNow() + _step;

        public override long GetTimestamp() => monotonic.GetTimestamp();

        public override long TimestampFrequency => monotonic.TimestampFrequency;
    }

    private sealed class StoreAhead(FakeTimeProvider local, TimeSpan ahead) : IStateStore
    {
        private TimeSpan _skipped;

        public int Reads { get; private set; }

        /// <summary>The store's time moves on by <paramref name="by"/> while the local monotonic clock stood still.</summary>
        public void Skip(TimeSpan by) => _skipped += by;

        public string Name => "fake";

        public ValueTask PrepareAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<int> RecoverAsync(DateTimeOffset now, CancellationToken cancellationToken) => ValueTask.FromResult(0);

        public ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken)
        {
            var first = Reads++ == 0;
            local.Advance(TimeSpan.FromMilliseconds(first ? 200 : 1));
            var now = local.GetUtcNow() + ahead + _skipped;
            local.Advance(TimeSpan.FromMilliseconds(first ? 0 : 1));
            return ValueTask.FromResult(now);
        }

        public bool IsUnavailable(Exception exception) => false;
    }
}
