using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Audit;
using Portcullis.Core.Configuration;
using Portcullis.Core.Tests.Diagnostics;

namespace Portcullis.Core.Tests.Audit;

/// <summary>The queue between the request path and the sink: never waits, counts what it drops, knows when it cannot record.</summary>
public sealed class AuditTrailTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Record_SinkAccepts_EventsArriveInOrder()
    {
        var sink = new ControlledSink();
        var trail = Trail(sink, capacity: 100);
        using var cts = new CancellationTokenSource();
        var running = trail.RunAsync(cts.Token);

        for (var i = 0; i < 10; i++)
        {
            trail.Record(Event($"c{i}"));
        }

        await sink.WaitForAsync(10);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"c{i}"), sink.Written.Select(e => e.CorrelationId));
        await AcceptingAsync(trail);
        await cts.CancelAsync();
        await running.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Record_QueueFull_DropsWithoutWaiting_AndARequiredTrailStopsAccepting()
    {
        var sink = new ControlledSink();
        var trail = Trail(sink, capacity: 100, required: true);
        using var cts = new CancellationTokenSource();
        var running = trail.RunAsync(cts.Token);
        trail.Record(Event("first"));
        await sink.WaitForAsync(1);
        await sink.Entered.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        await AcceptingAsync(trail);

        sink.Block();
        trail.Record(Event("held by the writer"));
        await sink.Entered.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        for (var i = 0; i < 150; i++)
        {
            trail.Record(Event($"queued-{i}"));
        }

        Assert.False(trail.Accepting);
        sink.Release();
        await sink.WaitForAsync(1 + 1 + 100);
        await AcceptingAsync(trail);
        await cts.CancelAsync();
        await running.WaitAsync(Timeout);
        Assert.Equal(102, sink.Written.Count);
    }

    [Fact]
    public async Task Run_SinkFails_NotAcceptingUntilAWriteSucceeds_AndNothingIsLost()
    {
        var sink = new ControlledSink { Failing = true };
        var trail = Trail(sink, capacity: 100, required: true);
        using var cts = new CancellationTokenSource();
        var running = trail.RunAsync(cts.Token);

        trail.Record(Event("while down"));
        await sink.Attempted.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.False(trail.Accepting);

        sink.Failing = false;
        await sink.WaitForAsync(1);
        await AcceptingAsync(trail);
        Assert.Equal("while down", Assert.Single(sink.Written).CorrelationId);
        await cts.CancelAsync();
        await running.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Run_Stopped_DrainsWhatIsQueued()
    {
        var sink = new ControlledSink();
        var trail = Trail(sink, capacity: 1000);
        sink.Block();
        using var cts = new CancellationTokenSource();
        var running = trail.RunAsync(cts.Token);
        trail.Record(Event("a"));
        await sink.Entered.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        for (var i = 0; i < 300; i++)
        {
            trail.Record(Event($"b{i}"));
        }

        await cts.CancelAsync();
        sink.Release();
        await running.WaitAsync(Timeout);

        Assert.Equal(301, sink.Written.Count);
    }

    [Fact]
    public async Task Run_SinkUp_APartFilledBatchWaitsOutTheGather()
    {
        var time = new FakeTimeProvider();
        var sink = new ControlledSink();
        var trail = Trail(sink, capacity: 1000, time: time);
        using var cts = new CancellationTokenSource();
        var running = trail.RunAsync(cts.Token);
        trail.Record(Event("first"));
        await sink.WaitForAsync(1);
        await AcceptingAsync(trail);

        trail.Record(Event("a"));
        trail.Record(Event("b"));
        await AdvanceAsync(time, AuditTrail.Gather - TimeSpan.FromMilliseconds(10), () => sink.Written.Count > 1);
        Assert.Single(sink.Written);

        await AdvanceAsync(time, TimeSpan.FromSeconds(1), () => sink.Written.Count == 3);
        Assert.Equal(["first", "a", "b"], sink.Written.Select(e => e.CorrelationId));
        await cts.CancelAsync();
        await running.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Run_SinkUp_AFullBatchIsWrittenWithoutWaitingOutTheGather()
    {
        var time = new FakeTimeProvider();
        var sink = new ControlledSink();
        var trail = Trail(sink, capacity: 1000, time: time);
        using var cts = new CancellationTokenSource();
        var running = trail.RunAsync(cts.Token);
        trail.Record(Event("first"));
        await sink.WaitForAsync(1);
        await AcceptingAsync(trail);

        // The writer takes the first event and starts gathering; the rest of a batch arrives while it waits.
        trail.Record(Event("a0"));
        await Task.Delay(200);
        for (var i = 1; i < AuditTrail.BatchSize; i++)
        {
            trail.Record(Event($"a{i}"));
        }

        await AdvanceAsync(time, AuditTrail.Gather - TimeSpan.FromMilliseconds(10), () => sink.Written.Count > 1);
        Assert.Equal(1 + AuditTrail.BatchSize, sink.Written.Count);
        await cts.CancelAsync();
        await running.WaitAsync(Timeout);
    }

    /// <summary>Moves the fake clock forward in small steps, at most <paramref name="limit"/> in all, until <paramref name="done"/>.</summary>
    private static async Task AdvanceAsync(FakeTimeProvider time, TimeSpan limit, Func<bool> done)
    {
        var step = TimeSpan.FromMilliseconds(5);
        for (var advanced = TimeSpan.Zero; advanced + step <= limit && !done(); advanced += step)
        {
            // Real time too, so the writer's continuation runs and waits again before the next step.
            await Task.Delay(20);
            time.Advance(step);
        }

        await Task.Delay(100);
    }

    /// <summary>Before, a batch the sink refused for one event's content was retried forever, and the trail stopped behind it.</summary>
    [Fact]
    public async Task Record_AnEventTheSinkCannotStore_TheOthersAreKeptInOrderAndItAsAStub()
    {
        var sink = new ControlledSink { Refusing = e => e.Tool == "poison" };
        var trail = Trail(sink, capacity: 100, required: true);
        using var cts = new CancellationTokenSource();
        var running = trail.RunAsync(cts.Token);

        for (var i = 0; i < 5; i++)
        {
            trail.Record(Event($"c{i}") with { Tool = i == 2 ? "poison" : "echo", Detail = "what happened", Arguments = new() { ["a"] = 1 } });
        }

        await sink.WaitForAsync(5);
        Assert.Equal(["c0", "c1", "c2", "c3", "c4"], sink.Written.Select(e => e.CorrelationId));
        var stub = sink.Written[2];
        Assert.Null(stub.Tool);
        Assert.Null(stub.Arguments);
        Assert.StartsWith("audit_event_refused:", stub.Detail);
        Assert.Equal((AuditKinds.ToolCall, AuditDecisions.Allowed, "test"), (stub.Kind, stub.Decision, stub.Environment));
        Assert.All(sink.Written.Where(e => e.CorrelationId != "c2"), e => Assert.Equal(("echo", "what happened"), (e.Tool, e.Detail)));
        await AcceptingAsync(trail);

        trail.Record(Event("after"));
        await sink.WaitForAsync(6);
        await cts.CancelAsync();
        await running.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Record_AnEventRefusedEvenAsAStub_IsDroppedAndTheTrailGoesOn()
    {
        var sink = new ControlledSink { Refusing = e => e.CorrelationId == "bad" };
        var trail = Trail(sink, capacity: 100);
        using var cts = new CancellationTokenSource();
        var running = trail.RunAsync(cts.Token);

        foreach (var id in new[] { "c0", "bad", "c1" })
        {
            trail.Record(Event(id));
        }

        await sink.WaitForAsync(2);
        trail.Record(Event("c2"));
        await sink.WaitForAsync(3);
        Assert.Equal(["c0", "c1", "c2"], sink.Written.Select(e => e.CorrelationId));
        await cts.CancelAsync();
        await running.WaitAsync(Timeout);
    }

    private static AuditTrail Trail(IAuditSink sink, int capacity, bool required = false, TimeProvider? time = null) =>
        new(new GatewayConfig { Environment = "test", Audit = new AuditConfig { Sink = "jsonl", QueueCapacity = capacity, Required = required } },
            sink, TestTelemetry.Create(), time ?? TimeProvider.System, NullLogger<AuditTrail>.Instance);

    internal static AuditEvent Event(string correlationId) => new()
    {
        Time = DateTimeOffset.UtcNow,
        CorrelationId = correlationId,
        Environment = "test",
        Kind = AuditKinds.ToolCall,
        Decision = AuditDecisions.Allowed,
    };

    /// <summary>A sink the test can make fail or hold, recording what it kept.</summary>
    /// <summary>
    /// The trail marks its sink up once the sink's write has returned, a moment after the sink has counted the events:
    /// the test waits for that rather than race it.
    /// </summary>
    private static async Task AcceptingAsync(AuditTrail trail)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        while (!trail.Accepting)
        {
            await Task.Delay(10, deadline.Token);
        }
    }

    private sealed class ControlledSink : IAuditSink
    {
        private readonly Lock _gate = new();
        private readonly List<AuditEvent> _written = [];
        private TaskCompletionSource _open = CompletedGate();

        public volatile bool Failing;

        /// <summary>Events the sink cannot store: a batch holding one is refused whole, as a database refuses a transaction.</summary>
        public Func<AuditEvent, bool>? Refusing { get; init; }

        public Channel<bool> Entered { get; } = Channel.CreateUnbounded<bool>();

        public Channel<bool> Attempted { get; } = Channel.CreateUnbounded<bool>();

        public string Name => "test";

        public bool Refuses(Exception exception) => exception is ArgumentException;

        public IReadOnlyList<AuditEvent> Written
        {
            get
            {
                lock (_gate)
                {
                    return [.. _written];
                }
            }
        }

        public void Block() => _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _open.TrySetResult();

        public async ValueTask WriteAsync(IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken)
        {
            Entered.Writer.TryWrite(true);
            await _open.Task;
            Attempted.Writer.TryWrite(true);
            if (Failing)
            {
                throw new IOException("disk gone");
            }

            if (Refusing is { } refusing && events.Any(refusing))
            {
                throw new ArgumentException("a value this sink cannot store");
            }

            lock (_gate)
            {
                _written.AddRange(events);
            }
        }

        public ValueTask<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken) => ValueTask.FromResult(0);

        public async Task WaitForAsync(int count)
        {
            using var cts = new CancellationTokenSource(Timeout);
            while (Written.Count < count)
            {
                await Task.Delay(10, cts.Token);
            }
        }

        private static TaskCompletionSource CompletedGate()
        {
            var done = new TaskCompletionSource();
            done.SetResult();
            return done;
        }
    }
}
