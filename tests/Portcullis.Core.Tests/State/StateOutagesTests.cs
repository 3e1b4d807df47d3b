using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.State;

namespace Portcullis.Core.Tests.State;

public sealed class StateOutagesTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly Reports _log = new();
    private readonly StateOutages _outages;

    public StateOutagesTests() => _outages = new StateOutages(new DownStore(), _time, _log);

    public void Dispose() => _outages.Dispose();

    [Fact]
    public void IsOutage_TheStoresOwnVerdict_AlsoOnAWrappedException()
    {
        Assert.True(_outages.IsOutage(new TimeoutException("no answer")));
        Assert.True(_outages.IsOutage(new InvalidOperationException("wrapped", new TimeoutException("no answer"))));
        Assert.False(_outages.IsOutage(new InvalidOperationException("a defect")));
    }

    [Fact]
    public void SeenWithin_TheLastOutageSeen_NotProlongedByAskingAgainAfterIt()
    {
        Assert.False(_outages.SeenWithin(TimeSpan.FromSeconds(20)));
        Assert.False(_outages.IsOutage(new InvalidOperationException("a defect")));
        Assert.False(_outages.SeenWithin(TimeSpan.FromSeconds(20)));

        Assert.True(_outages.IsOutage(new TimeoutException("no answer")));
        _time.Advance(TimeSpan.FromSeconds(19));
        Assert.True(_outages.SeenWithin(TimeSpan.FromSeconds(20)));

        // A session asked for again after the outage is an outage to its request, but does not make the outage last.
        Assert.True(_outages.IsOutage(new StateRecoveringException("not stored yet")));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(_outages.SeenWithin(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void Refuse_RetryableStateUnavailable_ReportedAtMostOncePerInterval_WithTheCountSinceTheLastReport()
    {
        var error = _outages.Refuse(new TimeoutException("no answer"), "c-1");
        Assert.Equal("state_unavailable", error.Code.Code);
        Assert.True(error.Code.Retryable);
        Assert.Equal(StateOutages.RetryAfterSeconds, error.RetryAfterSeconds);
        Assert.Equal([1L], _log.Counts);

        for (var i = 2; i <= 100; i++)
        {
            _outages.Refuse(new TimeoutException("no answer"), $"c-{i}");
        }

        Assert.Equal([1L], _log.Counts);

        // The burst's end is reported one interval after its first report, with the latest refusal's id.
        _time.Advance(StateOutages.ReportEvery);
        Assert.Equal([1L, 99L], _log.Counts);
        Assert.Contains("c-100", _log.Messages[^1], StringComparison.Ordinal);

        _time.Advance(StateOutages.ReportEvery * 3);
        Assert.Equal([1L, 99L], _log.Counts);
        _outages.Refuse(new TimeoutException("no answer"), "c-101");
        Assert.Equal([1L, 99L, 1L], _log.Counts);
        Assert.Contains("c-101", _log.Messages[^1], StringComparison.Ordinal);
    }

    /// <summary>A store whose every failure is a timeout: an outage.</summary>
    private sealed class DownStore : IStateStore
    {
        public string Name => "redis";

        public ValueTask PrepareAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<int> RecoverAsync(DateTimeOffset now, CancellationToken cancellationToken) => ValueTask.FromResult(0);

        public ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken) => throw new TimeoutException();

        public bool IsUnavailable(Exception exception) => exception is TimeoutException;
    }

    /// <summary>The reports logged, with the count each carried.</summary>
    private sealed class Reports : ILogger<StateOutages>
    {
        public List<long> Counts { get; } = [];

        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Assert.Equal(1802, eventId.Id);
            Counts.Add((long)((IReadOnlyList<KeyValuePair<string, object?>>)state!).Single(p => p.Key == "Count").Value!);
            Messages.Add(formatter(state, exception));
        }
    }
}
