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

    private sealed class StoreAhead(FakeTimeProvider local, TimeSpan ahead) : IStateStore
    {
        public int Reads { get; private set; }

        public string Name => "fake";

        public ValueTask PrepareAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<int> RecoverAsync(DateTimeOffset now, CancellationToken cancellationToken) => ValueTask.FromResult(0);

        public ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken)
        {
            var first = Reads++ == 0;
            local.Advance(TimeSpan.FromMilliseconds(first ? 200 : 1));
            var now = local.GetUtcNow() + ahead;
            local.Advance(TimeSpan.FromMilliseconds(first ? 0 : 1));
            return ValueTask.FromResult(now);
        }

        public bool IsUnavailable(Exception exception) => false;
    }
}
