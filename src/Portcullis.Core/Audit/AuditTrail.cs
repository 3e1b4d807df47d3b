using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Audit;

/// <summary>
/// Takes audit events from the request path without waiting and hands them to one background writer through a
/// bounded queue. A sink that falls behind or fails is a metric and a log line, never a slower or failed call;
/// with <c>audit.required</c> the pipeline serves a call only once <see cref="TryReserve"/> has kept room in the queue
/// for its event, and refuses it otherwise.
/// </summary>
internal sealed class AuditTrail : IDisposable
{
    internal const int BatchSize = 256;

    /// <summary>
    /// How long a healthy writer lets a part-filled batch gather more events before it writes: each write is one
    /// durable commit (an fsync on SQLite and the jsonl file, a round trip on PostgreSQL), and under load a writer
    /// that wrote whatever was waiting committed every few events. At 20 ms a busy gateway still committed about 50
    /// times a second, 5 % of its CPU per call more than at 100 ms (docs/benchmarks.md); the events of the last
    /// 100 ms are what a crash can lose, as the queue's content always was.
    /// </summary>
    internal static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(100);

    /// <summary>How often a gathering writer looks whether its batch is full, to write it without waiting out <see cref="Gather"/>.</summary>
    private static readonly TimeSpan GatherStep = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// The most bytes of arguments (<c>audit.include_arguments</c>) the queue and the batch being written hold: a call's may
    /// be a whole body (1 MiB), and while the sink is down or slow 10,000 of them would hold gigabytes. Past it an event
    /// waits without them.
    /// </summary>
    internal const long MaxQueuedArgumentBytes = 64L * 1024 * 1024;

    internal const string ArgumentsNotKept = "arguments not kept: the audit writer's queue held 64 MiB of arguments";

    private static readonly TimeSpan DropReportInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromHours(1);
    private static readonly TimeSpan ShutdownDrain = TimeSpan.FromSeconds(5);

    private readonly IAuditSink? _sink;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<AuditEvent> _queue;
    private readonly int _capacity;
    private readonly int? _retentionDays;
    private readonly Counter<long> _written;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _lost;
    private readonly PacedReport<bool> _drops;
    // Events in the queue plus the room reserved for the events of calls being served (audit.required): at most _capacity.
    private long _used;
    private long _queuedArgumentBytes;
    private long _inFlightSince;
    private long _downSince;
    // Unknown until the first write (the configuration event, queued at start) succeeds: a required trail
    // refuses calls until then rather than guess.
    private volatile bool _sinkUp;

    public AuditTrail(GatewayConfig config, IAuditSink? sink, GatewayTelemetry telemetry, TimeProvider time, ILogger<AuditTrail> logger)
    {
        _sink = config.Audit.Enabled ? sink : null;
        _time = time;
        _logger = logger;
        _capacity = config.Audit.QueueCapacity;
        _retentionDays = config.Audit.EffectiveRetentionDays;
        Required = config.Audit.Required;
        _drops = new(DropReportInterval, time, (dropped, _) => Log.AuditDropped(logger, dropped, _capacity));
        // Bounded by _used rather than by the channel, so that room reserved for a served call's event is not taken by
        // others. Not SingleReader: that unbounded channel cannot count or peek, which the gauges do.
        _queue = Channel.CreateUnbounded<AuditEvent>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
        var sinkName = _sink?.Name ?? "none";
        var meter = telemetry.Meter;
        _written = meter.CreateCounter<long>("portcullis.audit.events", "{event}", "Audit events the sink kept.");
        _dropped = meter.CreateCounter<long>("portcullis.audit.dropped", "{event}", "Audit events lost because the writer's queue was full.");
        _failures = meter.CreateCounter<long>("portcullis.audit.write_failures", "{batch}", "Failed attempts to write a batch of audit events.");
        _refused = meter.CreateCounter<long>("portcullis.audit.refused", "{event}", "Audit events the sink refused for their content; each is kept as a stub without its text where the sink takes that.");
        _lost = meter.CreateCounter<long>("portcullis.audit.refused_lost", "{event}", "Audit events the sink refused even as a stub: dropped.");
        meter.CreateObservableGauge("portcullis.audit.queue", () => new Measurement<long>(_queue.Reader.Count, new KeyValuePair<string, object?>("sink", sinkName)),
            "{event}", "Audit events waiting for the writer.");
        meter.CreateObservableGauge("portcullis.audit.lag", () => new Measurement<double>(LagSeconds(), new KeyValuePair<string, object?>("sink", sinkName)),
            "s", "Age of the oldest audit event not yet kept by the sink (0 when none waits).");
        meter.CreateObservableGauge("portcullis.audit.sink.up", () => new Measurement<int>(_sinkUp ? 1 : 0, new KeyValuePair<string, object?>("sink", sinkName)),
            "{sink}", "1 while the audit sink keeps events, 0 while its writes fail.");
    }

    public bool Enabled => _sink is not null;

    /// <summary>Calls must be refused while the trail cannot keep their events (<c>audit.required</c>).</summary>
    public bool Required { get; }

    /// <summary>The sink keeps events and the queue has room: a call now will be audited.</summary>
    public bool Accepting => _sink is null || (_sinkUp && Interlocked.Read(ref _used) < _capacity);

    /// <summary>
    /// Keeps room in the queue for the event of a call about to be served, so that events recorded meanwhile (refusals
    /// of other calls while the sink is down) cannot take it: false, and nothing kept, when the sink does not keep
    /// events or the queue has no room. The room is used by <see cref="Record"/> with <c>reserved</c>, or given back by
    /// <see cref="Release"/>.
    /// </summary>
    public bool TryReserve()
    {
        if (_sink is null)
        {
            return true;
        }

        if (!_sinkUp)
        {
            return false;
        }

        if (Interlocked.Increment(ref _used) > _capacity)
        {
            Interlocked.Decrement(ref _used);
            return false;
        }

        return true;
    }

    /// <summary>Gives back room kept by <see cref="TryReserve"/> whose event will not be recorded.</summary>
    public void Release()
    {
        if (_sink is not null)
        {
            Interlocked.Decrement(ref _used);
        }
    }

    /// <summary>
    /// Queues an event for the writer; never waits. A full queue drops it, counted and logged, unless
    /// <paramref name="reserved"/>: its room was kept by <see cref="TryReserve"/>.
    /// </summary>
    public void Record(AuditEvent e, bool reserved = false)
    {
        if (_sink is null)
        {
            return;
        }

        if (reserved || Interlocked.Increment(ref _used) <= _capacity)
        {
            var queued = WithinArgumentBudget(AuditText.Storable(e));
            if (_queue.Writer.TryWrite(queued))
            {
                return;
            }

            Kept(queued);
        }

        Interlocked.Decrement(ref _used);
        _dropped.Add(1);
        _drops.Add(true);
    }

    /// <summary><paramref name="e"/> with its arguments counted in the queue's budget, or without them when they do not fit.</summary>
    private AuditEvent WithinArgumentBudget(AuditEvent e)
    {
        if (e.Arguments is null)
        {
            return e;
        }

        if (Interlocked.Add(ref _queuedArgumentBytes, e.ArgumentsBytes) <= MaxQueuedArgumentBytes)
        {
            return e;
        }

        Interlocked.Add(ref _queuedArgumentBytes, -e.ArgumentsBytes);
        return e with { Arguments = null, Detail = e.Detail is null ? ArgumentsNotKept : e.Detail + "; " + ArgumentsNotKept };
    }

    /// <summary>Gives back the budget of an event the sink kept (or that never entered the queue): its arguments are no longer held.</summary>
    private void Kept(AuditEvent e)
    {
        if (e.Arguments is not null)
        {
            Interlocked.Add(ref _queuedArgumentBytes, -e.ArgumentsBytes);
        }
    }

    /// <summary>Writes queued events until cancelled, then drains what it can within a few seconds.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (_sink is null)
        {
            return;
        }

        var purging = _retentionDays is { } days ? PurgeLoopAsync(TimeSpan.FromDays(days), cancellationToken) : Task.CompletedTask;
        var batch = new List<AuditEvent>(BatchSize);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                Fill(batch);
                if (batch.Count < BatchSize && _sinkUp)
                {
                    // Only once the sink is up: a required trail refuses calls until its first write succeeds.
                    await GatherAsync(batch, cancellationToken).ConfigureAwait(false);
                }

                await WriteWithRetryAsync(batch, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        _queue.Writer.TryComplete();
        await DrainAsync(batch).ConfigureAwait(false);
        await purging.ConfigureAwait(false);
        _drops.Flush();
    }

    public void Dispose() => _drops.Dispose();

    /// <summary>Adds events to <paramref name="batch"/> until it is full or <see cref="Gather"/> has passed.</summary>
    private async Task GatherAsync(List<AuditEvent> batch, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        while (batch.Count < BatchSize && _time.GetElapsedTime(started) < Gather)
        {
            await Task.Delay(GatherStep, _time, cancellationToken).ConfigureAwait(false);
            Fill(batch);
        }
    }

    private void Fill(List<AuditEvent> batch)
    {
        while (batch.Count < BatchSize && _queue.Reader.TryRead(out var e))
        {
            Interlocked.Decrement(ref _used);
            batch.Add(e);
        }

        if (batch.Count > 0)
        {
            Interlocked.Exchange(ref _inFlightSince, batch[0].Time.UtcTicks);
        }
    }

    /// <summary>
    /// Writes the batch, retrying while the sink is unavailable. A batch the sink refuses for its content is written
    /// again one event at a time, at once, so that one event it cannot store does not stop the trail behind it.
    /// </summary>
    private async Task WriteWithRetryAsync(List<AuditEvent> batch, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        var oneByOne = false;
        while (true)
        {
            try
            {
                if (oneByOne)
                {
                    await WriteEachAsync(batch, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _sink!.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                    _written.Add(batch.Count);
                }

                foreach (var e in batch)
                {
                    Kept(e);
                }

                batch.Clear();
                Interlocked.Exchange(ref _inFlightSince, 0);
                if (!_sinkUp)
                {
                    _sinkUp = true;
                    if (_downSince != 0)
                    {
                        Log.AuditSinkRecovered(_logger, _sink!.Name, _time.GetElapsedTime(_downSince).TotalSeconds);
                        _downSince = 0;
                    }
                }

                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _failures.Add(1);
                if (!oneByOne && _sink!.Refuses(ex))
                {
                    oneByOne = true;
                    continue;
                }

                if (_downSince == 0)
                {
                    _sinkUp = false;
                    _downSince = _time.GetTimestamp();
                    Log.AuditSinkDown(_logger, _sink!.Name, ex.GetType().Name, _queue.Reader.Count + batch.Count, ex);
                }

                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5_000));
            }
        }
    }

    /// <summary>
    /// Writes the events one at a time, removing each once it is kept. An event the sink refuses is written again
    /// without the text a caller or an upstream chose (<see cref="Stub"/>), or dropped if that is refused too; either
    /// way it is logged with its correlation id. A failure of any other kind is thrown with the rest still in the batch.
    /// </summary>
    private async Task WriteEachAsync(List<AuditEvent> batch, CancellationToken cancellationToken)
    {
        var kept = 0;
        try
        {
            for (; kept < batch.Count; kept++)
            {
                var e = batch[kept];
                try
                {
                    await _sink!.WriteAsync([e], cancellationToken).ConfigureAwait(false);
                    _written.Add(1);
                }
                catch (Exception ex) when (_sink!.Refuses(ex))
                {
                    await KeepStubAsync(e, ex, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            for (var i = 0; i < kept; i++)
            {
                Kept(batch[i]);
            }

            batch.RemoveRange(0, kept);
        }
    }

    private async Task KeepStubAsync(AuditEvent e, Exception refusal, CancellationToken cancellationToken)
    {
        var reason = refusal.GetType().Name;
        try
        {
            await _sink!.WriteAsync([Stub(e, reason)], cancellationToken).ConfigureAwait(false);
            _written.Add(1);
            _refused.Add(1);
            Log.AuditEventRefused(_logger, _sink.Name, e.Kind, e.Decision, e.CorrelationId, reason,
                "kept without its names, detail and arguments (detail audit_event_refused)", refusal);
        }
        catch (Exception ex) when (_sink!.Refuses(ex))
        {
            _refused.Add(1);
            _lost.Add(1);
            Log.AuditEventRefused(_logger, _sink.Name, e.Kind, e.Decision, e.CorrelationId, reason, "dropped: its stub was refused too", refusal);
        }
    }

    /// <summary>
    /// What the trail keeps of an event its sink refused: when, what kind, what was decided, for whom, and why it is
    /// short; the text a client or an upstream chose (tool, resource, prompt, detail, actor, address, client id,
    /// arguments) is left out, since one of those is what the sink could not store.
    /// </summary>
    internal static AuditEvent Stub(AuditEvent e, string reason) => e with
    {
        ClientId = null,
        Tool = null,
        Resource = null,
        Prompt = null,
        Detail = $"audit_event_refused: the audit sink refused this event's text ({reason}); it is kept without its names, detail and arguments",
        Actor = null,
        RemoteAddress = null,
        Arguments = null,
    };

    private async Task DrainAsync(List<AuditEvent> batch)
    {
        using var drain = new CancellationTokenSource(ShutdownDrain, _time);
        try
        {
            do
            {
                Fill(batch);
                if (batch.Count > 0)
                {
                    await WriteWithRetryAsync(batch, drain.Token).ConfigureAwait(false);
                }
            }
            while (batch.Count > 0 || _queue.Reader.Count > 0);
        }
        catch (OperationCanceledException)
        {
            Log.AuditLostAtShutdown(_logger, batch.Count + _queue.Reader.Count);
        }
    }

    private async Task PurgeLoopAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(PurgeInterval, _time);
        try
        {
            do
            {
                await PurgeOnceAsync(retention, cancellationToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    internal async Task PurgeOnceAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        var before = _time.GetUtcNow() - retention;
        try
        {
            var count = await _sink!.PurgeAsync(before, cancellationToken).ConfigureAwait(false);
            if (count > 0)
            {
                Log.AuditPurged(_logger, count, before);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.AuditPurgeFailed(_logger, ex);
        }
    }

    private double LagSeconds()
    {
        var since = Interlocked.Read(ref _inFlightSince);
        if (since == 0 && _queue.Reader.TryPeek(out var next))
        {
            since = next.Time.UtcTicks;
        }

        return since == 0 ? 0 : Math.Max(0, (_time.GetUtcNow().UtcTicks - since) / (double)TimeSpan.TicksPerSecond);
    }
}
