using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Audit;

/// <summary>
/// Paces the log lines and audit events of HTTP-level refusals, so that a client refused in a loop (a scanner, a
/// brute force, a misconfigured agent) or a spray of addresses cannot flood the log and the audit trail, nor fill the
/// trail's queue ahead of the calls it must keep. Per source (the principal, else the client's address; an IPv6 one by
/// its /64 network), connector, stage, code and reason: the first <c>audit.refusals_per_minute</c> of a minute
/// are logged and recorded one by one, and the rest of that minute summed up when it ends in one log line (event 1514)
/// and one audit event, the latest of them, whose <c>count</c> says how many it stands for. Across all sources, at
/// most <see cref="BudgetFor"/> a minute are recorded one by one: past it, and past <see cref="Remembered"/> sources,
/// the rest are summed up together (event 1515). Every refusal is still counted in <c>portcullis.http.refusals</c>.
/// </summary>
internal sealed class RefusalPace : IDisposable
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>Sources remembered at most (and never more than the budget): past it, the quiet ones are forgotten, and while none is, new ones go to the pace of all sources.</summary>
    internal const int Remembered = 10_000;

    /// <summary>The reason class (<c>detail</c>) of the audit event that sums up refusals of many sources.</summary>
    internal const string AcrossSources = "across_sources";

    /// <summary>The longest reason in words a summary's line gives, escaped as any text a client may have touched.</summary>
    private const int MaxReasonLength = 512;

    /// <summary>How often, at most, the remembered sources are swept for quiet ones: a sweep reads them all.</summary>
    private static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<RefusalSource, BurstPace<PacedRefusal>> _paces = new();
    private readonly BurstPace<PacedRefusal> _all;
    private readonly GatewayConfig _config;
    private readonly DecisionRecorder _recorder;
    private readonly TimeProvider _time;
    private readonly ILogger<RefusalPace> _logger;
    private readonly int _budget;
    private readonly int _limit;
    private int _remembered;
    private bool _stopped;
    private long _sweptAt = long.MinValue;

    public RefusalPace(GatewayConfig config, DecisionRecorder recorder, TimeProvider time, ILogger<RefusalPace> logger)
        : this(config, recorder, time, logger, Remembered)
    {
    }

    /// <summary>With another bound on the sources remembered than <see cref="Remembered"/>: for tests of the sweep.</summary>
    internal RefusalPace(GatewayConfig config, DecisionRecorder recorder, TimeProvider time, ILogger<RefusalPace> logger, int remembered)
    {
        _budget = BudgetFor(config.Audit);
        // No more sources than the budget: each remembered source sums up at most once a minute, so summaries too stay within it.
        _limit = Math.Min(remembered, _budget);
        _config = config;
        _recorder = recorder;
        _time = time;
        _logger = logger;
        _all = new BurstPace<PacedRefusal>(_budget, Window, time, SummarizeAll);
    }

    /// <summary>
    /// The refusals recorded one by one in a minute from all sources together: a hundred sources' bursts, but never more
    /// than a fifth of the audit queue, so that a spray of sources, each within its own burst, cannot fill it either.
    /// </summary>
    public static int BudgetFor(AuditConfig audit) => (int)Math.Clamp(100L * audit.RefusalsPerMinute, 1, Math.Max(1, audit.QueueCapacity / 5));

    /// <summary>The sources paced apart now: at most <see cref="Remembered"/> (or the bound given).</summary>
    internal int Sources => Volatile.Read(ref _remembered);

    /// <summary>
    /// Records the refusal's audit event when the pace admits it, and answers whether it did: only then does its caller
    /// write its log line. Otherwise it is held for a summary. <paramref name="method"/>, <paramref name="path"/> and
    /// <paramref name="reason"/> (in words) are as the summary's log line would name them (escaped, cut).
    /// </summary>
    public bool Record(AuditEvent e, string method, string path, string reason)
    {
        if (!Volatile.Read(ref _stopped) && !Admit(e, new PacedRefusal(e, method, path, reason)))
        {
            // Held; when the gateway stopped meanwhile, the stop's summaries may have passed its pace by.
            if (Volatile.Read(ref _stopped))
            {
                SumUpHeld();
            }

            return false;
        }

        _recorder.HttpRefusal(e);
        return true;
    }

    /// <summary>
    /// At stop: sums up the refusals held back, due or not, and from then on records each refusal one by one (the few a
    /// drain may still answer), so that none goes unrecorded.
    /// </summary>
    public void Stop()
    {
        Volatile.Write(ref _stopped, true);
        SumUpHeld();
    }

    private void SumUpHeld()
    {
        foreach (var pace in _paces.Values)
        {
            pace.Flush();
        }

        _all.Flush();
    }

    public void Dispose()
    {
        foreach (var pace in _paces.Values)
        {
            pace.Dispose();
        }

        _all.Dispose();
    }

    /// <summary>
    /// Whose refusals are paced together: the principal when a token was accepted, else the address the connection came
    /// from by its network (<see cref="ClientNetwork"/>: an IPv6 one by its /64, the network a single host usually has to
    /// itself), so that one client cannot get a new burst from each of its addresses.
    /// </summary>
    internal static string SourceOf(AuditEvent e)
    {
        if (e.Principal is { } principal)
        {
            return "principal " + principal;
        }

        if (e.RemoteAddress is not { } remote || !IPAddress.TryParse(remote, out var address))
        {
            return e.RemoteAddress ?? "-";
        }

        return ClientNetwork.Of(address);
    }

    private bool Admit(AuditEvent e, PacedRefusal refusal)
    {
        var source = new RefusalSource(SourceOf(e), e.Connector, e.Stage, e.Code, e.Detail);
        while (true)
        {
            if (!_paces.TryGetValue(source, out var pace))
            {
                // A source not seen this minute, while the budget of all sources is spent or as many as are remembered are
                // paced: summed up with all sources, so that a spray of new sources neither gets a burst each nor grows the map.
                if (_all.Spent || !TryRemember(source, out pace))
                {
                    return _all.Admit(refusal) == PaceVerdict.Admitted;
                }
            }

            switch (pace.Admit(refusal))
            {
                case PaceVerdict.Admitted:
                    return _all.Admit(refusal) == PaceVerdict.Admitted;
                case PaceVerdict.Held:
                    return false;
                default:
                    // Retired by a sweep since it was read: forgotten (by whichever of the two gets there first), and the
                    // source gets a new pace.
                    Forget(source, pace);
                    continue;
            }
        }
    }

    private bool TryRemember(RefusalSource source, out BurstPace<PacedRefusal> pace)
    {
        if (Volatile.Read(ref _remembered) >= _limit)
        {
            Sweep();
        }

        if (Interlocked.Increment(ref _remembered) > _limit)
        {
            Interlocked.Decrement(ref _remembered);
            pace = null!;
            return false;
        }

        var created = new BurstPace<PacedRefusal>(_config.Audit.RefusalsPerMinute, Window, _time, (count, latest) => Summarize(source, count, latest));
        pace = _paces.GetOrAdd(source, created);
        if (!ReferenceEquals(pace, created))
        {
            // Another request remembered it first.
            Interlocked.Decrement(ref _remembered);
            created.Dispose();
        }

        return true;
    }

    /// <summary>
    /// Forgets the quiet sources, at most once a <see cref="SweepEvery"/>: while every one remembered is busy, new ones
    /// from a spray of addresses would otherwise each pay for reading them all. A pace is retired under its own lock
    /// before it is forgotten, so no refusal is held by a pace the flush at stop no longer reaches.
    /// </summary>
    private void Sweep()
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _sweptAt);
        if ((last != long.MinValue && _time.GetElapsedTime(last, now) < SweepEvery) || Interlocked.CompareExchange(ref _sweptAt, now, last) != last)
        {
            return;
        }

        foreach (var (key, pace) in _paces)
        {
            if (pace.TryRetire())
            {
                Forget(key, pace);
            }
        }
    }

    private void Forget(RefusalSource source, BurstPace<PacedRefusal> retired)
    {
        if (_paces.TryRemove(new KeyValuePair<RefusalSource, BurstPace<PacedRefusal>>(source, retired)))
        {
            Interlocked.Decrement(ref _remembered);
            retired.Dispose();
        }
    }

    private void Summarize(RefusalSource source, long count, PacedRefusal latest)
    {
        var e = latest.Event;
        Log.RefusalsSummarized(_logger, count, Named(source.Source), Named(e.Connector), Named(e.Tool), _config.Audit.RefusalsPerMinute, (int)Window.TotalSeconds,
            Named(e.Stage), Named(e.Code), Named(e.Detail), latest.Method, latest.Path, LogText.Safe(latest.Reason, MaxReasonLength), e.CorrelationId);
        _recorder.HttpRefusal(e with { Count = count });
    }

    private void SummarizeAll(long count, PacedRefusal latest)
    {
        var e = latest.Event;
        Log.RefusalsSummarizedAcrossSources(_logger, count, _budget, _config.Audit.RefusalsPerMinute, (int)Window.TotalSeconds, Named(SourceOf(e)),
            Named(e.Connector), Named(e.Tool), Named(e.Stage), Named(e.Code), Named(e.Detail), latest.Method, latest.Path, LogText.Safe(latest.Reason, MaxReasonLength), e.CorrelationId);
        // Many sources' refusals: the event names none of them (the log line names the latest's), so that no principal,
        // address or tool is charged with the others'.
        _recorder.HttpRefusal(e with { Count = count, Principal = null, ClientId = null, RemoteAddress = null, Connector = null, Tool = null, Detail = AcrossSources });
    }

    /// <summary>A name as a summary's line gives it: escaped and cut, <c>-</c> when there is none.</summary>
    private static string Named(string? name) => LogText.Safe(name ?? "-");

    /// <summary>What a pace is kept for: who was refused where, and why.</summary>
    private readonly record struct RefusalSource(string Source, string? Connector, string? Stage, string? Code, string? Reason);

    /// <summary>A refusal held back: its audit event and what its log line would have named.</summary>
    private sealed record PacedRefusal(AuditEvent Event, string Method, string Path, string Reason);
}
