using System.Reflection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Idempotency;

namespace Portcullis.Core.Tests.Idempotency;

/// <summary>What happens to settlements the store did not take when the gateway stops.</summary>
public sealed class UnsettledClaimsTests
{
    private static readonly IdempotencyScope Scope = new("prod", "crm", "alice", "add_note", "k");

    /// <summary>
    /// SIGTERM during a store blip: before, a result the caller already had was dropped at once, and the key became
    /// outcome-unknown at lease end. The stopping gateway now keeps trying for a few seconds, so the result is stored.
    /// </summary>
    [Fact]
    public async Task Stop_DuringAStoreBlip_StoresWhatWaits_OnceTheStoreIsBack()
    {
        var store = BlinkingStore.Create(out var state);
        var claims = new UnsettledClaims(store, TimeProvider.System, NullLogger<UnsettledClaims>.Instance);
        using var stop = new CancellationTokenSource();
        var run = claims.RunAsync(stop.Token);

        claims.Complete(Scope, "token-1", """{"content":[]}""", DateTimeOffset.UtcNow, "call-1", new IOException("the store does not answer"));
        claims.MarkUnknown(Scope with { Key = "k2" }, "token-2", DateTimeOffset.UtcNow, "call-2", new IOException("the store does not answer"));
        await WaitUntil(() => state.Attempts >= 1);
        await stop.CancelAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        state.Down = false;

        await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["complete token-1", "unknown token-2"], state.Stored.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// A store that stays down does not hold the stop beyond <see cref="UnsettledClaims.LastTry"/>; what waits is given up.
    /// Every step waits for the settler to be parked on a pause of the fake clock (a state), never for a stretch of real
    /// time: the clock is moved only once the pause it is to end exists, so a busy machine cannot make a step miss it.
    /// </summary>
    [Fact]
    public async Task Stop_WithTheStoreStillDown_GivesUpAfterTheLastTry()
    {
        var time = new PauseRecordingTime();
        var store = BlinkingStore.Create(out var state);
        var claims = new UnsettledClaims(store, time, NullLogger<UnsettledClaims>.Instance);
        using var stop = new CancellationTokenSource();
        var run = claims.RunAsync(stop.Token);

        claims.Release(Scope, "token-1", "call-1", new IOException("the store does not answer"));
        await WaitUntil(() => state.Attempts == 1 && time.Pauses == 1);
        await stop.CancelAsync();

        // The stop ends the pause at once and the last try tries again, then pauses on the clock: it waits for the store.
        await WaitUntil(() => state.Attempts == 2 && time.Pauses == 2 && time.LastTryArmed);
        Assert.False(run.IsCompleted, "the stop waits on the clock for the store to come back");

        time.Advance(TimeSpan.FromMilliseconds(250));
        await WaitUntil(() => state.Attempts == 3 && time.Pauses == 3);
        Assert.False(run.IsCompleted, "the last try tried the release more than once, and waits again");

        // Just short of the last try's end it is still trying; at its end it gives up.
        time.Advance(UnsettledClaims.LastTry - TimeSpan.FromMilliseconds(250) - TimeSpan.FromTicks(1));
        await WaitUntil(() => state.Attempts == 4 && time.Pauses == 4);
        Assert.False(run.IsCompleted, "the stop gave up before the last try ran out");
        time.Advance(TimeSpan.FromTicks(1));

        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(4, state.Attempts);
        Assert.Empty(state.Stored);

        // Queued after the stop: given up at once, never left waiting.
        claims.Release(Scope, "token-2", "call-2", new IOException("the store does not answer"));
        Assert.Equal(4, state.Attempts);
        Assert.Empty(state.Stored);
    }

    /// <summary>
    /// A store that does not heed cancellation (StackExchange.Redis answers at its own 5 s timeout, whatever the token)
    /// and does not answer: before, the stop waited out the call it interrupted, only then started the last try, and
    /// waited out the last try's call too, 10 s of the 15 s the upstreams and the audit trail also stop in. The last try
    /// now ends <see cref="UnsettledClaims.LastTry"/> after the stop, whatever the store's calls do.
    /// </summary>
    [Fact]
    public async Task Stop_WithAStoreThatIgnoresCancellation_EndsWithinTheLastTry()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var store = TimingOutStore.Create(time, out var attempts);
        var claims = new UnsettledClaims(store, time, NullLogger<UnsettledClaims>.Instance);
        using var stop = new CancellationTokenSource();
        var run = claims.RunAsync(stop.Token);

        claims.Complete(Scope, "token-1", """{"content":[]}""", time.GetUtcNow(), "call-1", new IOException("the store does not answer"));
        await WaitUntil(() => attempts() >= 1);
        var stoppedAt = time.GetUtcNow();
        await stop.CancelAsync();

        // The clock is moved to the end of the last try and no further: the stop must end there, whatever the store's
        // calls do (before, it waited out the interrupted call and the last try's own, 10 s of the clock). Moving the clock
        // on in steps while waiting raced the settler on a busy machine and measured its lag, not the stop's.
        await WaitUntil(() => attempts() >= 2);
        time.Advance(UnsettledClaims.LastTry - TimeSpan.FromTicks(1));
        Assert.False(run.IsCompleted, "the stop gave up before the last try ran out");
        time.Advance(TimeSpan.FromTicks(1));

        await run.WaitAsync(TimeSpan.FromSeconds(30));
        var took = time.GetUtcNow() - stoppedAt;
        Assert.True(took <= UnsettledClaims.LastTry, $"the stop took {took.TotalSeconds} s of the store's clock");
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); !condition(); await Task.Delay(10))
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition was not met in 30 s");
        }
    }

    /// <summary>
    /// A fake clock that counts the settler's pauses (timers shorter than <see cref="UnsettledClaims.LastTry"/>) and
    /// notes the last try's own timer, so a test waits for the settler to be parked instead of for real time to pass.
    /// </summary>
    private sealed class PauseRecordingTime() : FakeTimeProvider(DateTimeOffset.UnixEpoch)
    {
        private int _pauses;
        private volatile bool _lastTryArmed;

        public int Pauses => Volatile.Read(ref _pauses);

        public bool LastTryArmed => _lastTryArmed;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (dueTime > TimeSpan.Zero && dueTime < UnsettledClaims.LastTry)
            {
                Interlocked.Increment(ref _pauses);
            }

            _lastTryArmed |= dueTime == UnsettledClaims.LastTry;
            return new Watched(timer, this);
        }

        /// <summary>The last try is armed by <c>CancelAfter</c>, which changes a timer made with no due time.</summary>
        private sealed class Watched(ITimer inner, PauseRecordingTime time) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                if (dueTime == UnsettledClaims.LastTry)
                {
                    time._lastTryArmed = true;
                }

                return inner.Change(dueTime, period);
            }

            public void Dispose() => inner.Dispose();

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }

    /// <summary>The settlements a store took, while <see cref="Down"/> every call of it fails.</summary>
    public sealed class StoreState
    {
        private int _attempts;

        public volatile bool Down = true;

        public int Attempts => Volatile.Read(ref _attempts);

        public System.Collections.Concurrent.ConcurrentBag<string> Stored { get; } = [];

        public ValueTask<bool> Settle(string what)
        {
            Interlocked.Increment(ref _attempts);
            if (Down)
            {
                return ValueTask.FromException<bool>(new IOException("the store does not answer"));
            }

            Stored.Add(what);
            return ValueTask.FromResult(true);
        }
    }

    /// <summary>An idempotency store that only settles claims (the settler calls nothing else).</summary>
    public class BlinkingStore : DispatchProxy
    {
        private StoreState _state = null!;

        public static IIdempotencyStore Create(out StoreState state)
        {
            var store = DispatchProxy.Create<IIdempotencyStore, BlinkingStore>();
            state = ((BlinkingStore)(object)store)._state = new StoreState();
            return store;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod!.Name switch
        {
            nameof(IIdempotencyStore.CompleteAsync) => _state.Settle($"complete {args![1]}"),
            nameof(IIdempotencyStore.MarkUnknownAsync) => _state.Settle($"unknown {args![1]}"),
            nameof(IIdempotencyStore.ReleaseAsync) => _state.Settle($"release {args![1]}"),
            _ => throw new NotSupportedException(targetMethod.Name),
        };
    }

    /// <summary>An idempotency store whose every call ignores its token and fails at its own timeout, 5 s on the clock.</summary>
    public class TimingOutStore : DispatchProxy
    {
        private static readonly TimeSpan OwnTimeout = TimeSpan.FromSeconds(5);

        private TimeProvider _time = null!;
        private int _attempts;

        /// <summary>Creates the store; <paramref name="attempts"/> reads how many calls it was asked.</summary>
        public static IIdempotencyStore Create(TimeProvider time, out Func<int> attempts)
        {
            var store = DispatchProxy.Create<IIdempotencyStore, TimingOutStore>();
            var proxy = (TimingOutStore)(object)store;
            proxy._time = time;
            attempts = () => Volatile.Read(ref proxy._attempts);
            return store;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod!.Name switch
        {
            nameof(IIdempotencyStore.CompleteAsync) or nameof(IIdempotencyStore.MarkUnknownAsync) or nameof(IIdempotencyStore.ReleaseAsync) =>
                new ValueTask<bool>(TimeOutAsync()),
            _ => throw new NotSupportedException(targetMethod.Name),
        };

        private async Task<bool> TimeOutAsync()
        {
            Interlocked.Increment(ref _attempts);
            await Task.Delay(OwnTimeout, _time);
            throw new TimeoutException("the store did not answer in time");
        }
    }
}
