using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Relay;
using Portcullis.Core.State;

namespace Portcullis.Core.Tests.Relay;

/// <summary>A route the store did not take is put again every second, until it is taken or no longer wanted, and no more loops than the bound at once.</summary>
public sealed class RouteRecorderTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly SteppedTime _time = new();
    private readonly Routes _routes = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly StateClock _clock;
    private readonly RouteRecorder _recorder;

    public RouteRecorderTests()
    {
        _clock = new StateClock(_time);
        _recorder = new RouteRecorder(_routes, _clock, _stopping.Token, maxRecordingAgain: 2);
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    [Fact]
    public async Task Put_StoreDoesNotAnswer_ReturnsTheFailure()
    {
        _routes.Failing = true;

        var failure = await _recorder.PutAsync("k", Route(Life), CancellationToken.None).AsTask().WaitAsync(Timeout);

        Assert.IsType<TimeoutException>(failure);
        _routes.Failing = false;
        Assert.Null(await _recorder.PutAsync("k", Route(Life), CancellationToken.None).AsTask().WaitAsync(Timeout));
    }

    [Fact]
    public async Task RecordAgain_StoreTakesItAtTheThirdAttempt_TellsTheAttemptsAndStops()
    {
        _routes.Failing = true;
        var told = new List<int>();
        var again = Again("k", Life, recorded: told.Add);

        await _time.ArmedAsync();
        await _time.StepAsync();
        await _time.StepAsync();
        _routes.Failing = false;
        _time.Advance();

        await StoppedAsync(again, puts: 3);
        Assert.Equal(new[] { 3 }, told);
    }

    [Fact]
    public async Task RecordAgain_NoLongerWanted_Stops()
    {
        _routes.Failing = true;
        var wanted = true;
        var again = Again("k", Life, wanted: () => wanted);

        await _time.ArmedAsync();
        await _time.StepAsync();
        wanted = false;
        _time.Advance();

        await StoppedAsync(again, puts: 1);
    }

    /// <summary>The caller's token (a session question answered or given up) and the host's stop end the loop without waiting for its next attempt.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RecordAgain_CallersTokenOrHostStopping_StopsAtOnce(bool hostStopping)
    {
        _routes.Failing = true;
        using var question = new CancellationTokenSource();
        var again = Again("k", Life, cancellationToken: question.Token);

        await _time.ArmedAsync();
        await (hostStopping ? _stopping : question).CancelAsync();

        await StoppedAsync(again, puts: 0);
    }

    [Fact]
    public async Task RecordAgain_RecordExpires_Stops()
    {
        _routes.Failing = true;
        var again = Again("k", TimeSpan.FromSeconds(2.5));

        await _time.ArmedAsync();
        await _time.StepAsync();
        await _time.StepAsync();
        _time.Advance();

        await StoppedAsync(again, puts: 2);
    }

    /// <summary>Both uses (a pending call's holder, a session question's asker) draw on the one bound of the process.</summary>
    [Fact]
    public async Task RecordAgain_PastTheBound_StartsNoLoopWhoeverAsks_UntilOneEnds()
    {
        _routes.Failing = true;
        var held = true;
        using var question = new CancellationTokenSource();
        var holder = Again("call", Life, wanted: () => held, recorded: _ => { });
        var asker = Again("question", Life, recorded: _ => { }, cancellationToken: question.Token);
        await _time.ArmedAsync();
        await _time.ArmedAsync();

        Assert.True(Again("over", Life).IsCompletedSuccessfully);
        Assert.Equal(2, _recorder.RecordingAgain);

        await question.CancelAsync();
        await asker.WaitAsync(Timeout);
        var next = Again("next", Life, recorded: _ => { });
        Assert.False(next.IsCompleted);
        Assert.Equal(2, _recorder.RecordingAgain);

        held = false;
        await _time.ArmedAsync();
        await _time.StepAsync();
        await holder.WaitAsync(Timeout);
        await _stopping.CancelAsync();
        await StoppedAsync(next, puts: 1);
        Assert.DoesNotContain("over", _routes.Keys);
    }

    private static TimeSpan Life => TimeSpan.FromMinutes(10);

    private Task Again(string key, TimeSpan life, Func<bool>? wanted = null, Action<int>? recorded = null, CancellationToken cancellationToken = default) =>
        _recorder.RecordAgainAsync(key, Route(life), wanted ?? (() => true), recorded ?? (_ => Assert.Fail("recorded")), cancellationToken);

    private async Task StoppedAsync(Task again, int puts)
    {
        await again.WaitAsync(Timeout);
        Assert.Equal(puts, _routes.Puts);
        Assert.Equal(0, _recorder.RecordingAgain);
    }

    private PendingCallRoute Route(TimeSpan life) => new("r1", "http://r1.example", _clock.GetUtcNow() + life);

    /// <summary>A fake clock that tells when a loop waits for its next attempt, so the test steps it without racing it.</summary>
    private sealed class SteppedTime : TimeProvider
    {
        private readonly FakeTimeProvider _fake = new(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));
        private readonly SemaphoreSlim _armed = new(0);

        public override DateTimeOffset GetUtcNow() => _fake.GetUtcNow();

        public override long GetTimestamp() => _fake.GetTimestamp();

        public override long TimestampFrequency => _fake.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = _fake.CreateTimer(callback, state, dueTime, period);
            if (dueTime == RouteRecorder.RecordAgainEvery)
            {
                _armed.Release();
            }

            return timer;
        }

        /// <summary>Waits until a loop waits for its next attempt.</summary>
        public async Task ArmedAsync() => Assert.True(await _armed.WaitAsync(Timeout), "no loop waits for its next attempt");

        public void Advance() => _fake.Advance(RouteRecorder.RecordAgainEvery);

        /// <summary>Lets a second pass for a waiting loop, and waits until it made its attempt and waits for the next one.</summary>
        public async Task StepAsync()
        {
            Advance();
            await ArmedAsync();
        }
    }

    private sealed class Routes : IPendingCallRoutes
    {
        private int _puts;
        private volatile bool _failing;

        public bool Failing { get => _failing; set => _failing = value; }

        public int Puts => Volatile.Read(ref _puts);

        public System.Collections.Concurrent.ConcurrentBag<string> Keys { get; } = [];

        public ValueTask PutAsync(string requestState, PendingCallRoute route, DateTimeOffset now, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _puts);
            Keys.Add(requestState);
            return _failing ? ValueTask.FromException(new TimeoutException("The store does not answer.")) : ValueTask.CompletedTask;
        }

        public ValueTask<PendingCallRoute?> GetAsync(string requestState, DateTimeOffset now, CancellationToken cancellationToken) =>
            ValueTask.FromResult<PendingCallRoute?>(null);

        public ValueTask<int> PurgeAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken) => ValueTask.FromResult(0);
    }
}
