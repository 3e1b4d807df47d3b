using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Audit;

/// <summary>
/// Paces the log lines and audit events of HTTP-level refusals, so that a client refused in a loop (a scanner, a
/// brute force, a misconfigured agent) cannot flood the log and the audit trail, nor fill the trail's queue ahead of
/// the calls it must keep. Per source (the principal, else the client's address), connector, stage, code and reason:
/// the first <c>audit.refusals_per_minute</c> of a minute are logged and recorded one by one; the rest of that minute
/// are summed up when it ends in one log line (event 1514) and one audit event, the latest of them, whose
/// <c>count</c> says how many it stands for. Every refusal is still counted in <c>portcullis.http.refusals</c>.
/// </summary>
internal sealed class RefusalPace(GatewayConfig config, DecisionRecorder recorder, TimeProvider time, ILogger<RefusalPace> logger) : IDisposable
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>Sources remembered at most: past it, the quiet ones are forgotten, and while none is, new sources share one pace.</summary>
    internal const int Remembered = 10_000;

    /// <summary>The source of the pace new sources share while <see cref="Remembered"/> are paced.</summary>
    internal const string ManySources = "*";

    /// <summary>How often, at most, the remembered sources are swept for quiet ones: a sweep reads them all.</summary>
    private static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<RefusalSource, BurstPace<PacedRefusal>> _paces = new();
    private long _sweptAt = long.MinValue;

    /// <summary>
    /// Records the refusal's audit event when its source's pace admits it, and answers whether it did: only then does its
    /// caller write its log line. Otherwise it is held for its minute's summary. <paramref name="method"/> and
    /// <paramref name="path"/> are as the summary's log line would name them (escaped, cut).
    /// </summary>
    public bool Record(AuditEvent e, string method, string path)
    {
        if (!Admit(e, method, path))
        {
            return false;
        }

        recorder.HttpRefusal(e);
        return true;
    }

    private bool Admit(AuditEvent e, string method, string path)
    {
        var source = new RefusalSource(e.Principal is { } principal ? "principal " + principal : e.RemoteAddress ?? "-", e.Connector, e.Stage, e.Code, e.Detail);
        if (!_paces.TryGetValue(source, out var pace))
        {
            if (_paces.Count >= Remembered)
            {
                Sweep();
                if (_paces.Count >= Remembered)
                {
                    source = source with { Source = ManySources };
                }
            }

            pace = _paces.GetOrAdd(source, key => new BurstPace<PacedRefusal>(config.Audit.RefusalsPerMinute, Window, time, (count, latest) => Summarize(key, count, latest)));
        }

        return pace.Admit(new PacedRefusal(e, method, path));
    }

    /// <summary>Sums up the refusals held back, due or not: at stop, so that none goes unrecorded.</summary>
    public void Flush()
    {
        foreach (var pace in _paces.Values)
        {
            pace.Flush();
        }
    }

    public void Dispose()
    {
        foreach (var pace in _paces.Values)
        {
            pace.Dispose();
        }
    }

    /// <summary>
    /// Forgets the quiet sources, at most once a <see cref="SweepEvery"/>: while every one remembered is busy, new ones
    /// from a spray of addresses would otherwise each pay for reading them all.
    /// </summary>
    private void Sweep()
    {
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _sweptAt);
        if ((last != long.MinValue && time.GetElapsedTime(last, now) < SweepEvery) || Interlocked.CompareExchange(ref _sweptAt, now, last) != last)
        {
            return;
        }

        foreach (var (key, pace) in _paces)
        {
            if (pace.Quiet && _paces.TryRemove(key, out _))
            {
                pace.Dispose();
            }
        }
    }

    private void Summarize(RefusalSource source, long count, PacedRefusal latest)
    {
        var e = latest.Event;
        Log.RefusalsSummarized(logger, count, LogText.Safe(source.Source == ManySources ? $"many sources, the latest {e.Principal ?? e.RemoteAddress ?? "-"}" : source.Source), e.Connector ?? "-",
            config.Audit.RefusalsPerMinute, (int)Window.TotalSeconds, e.Stage ?? "-", e.Code ?? "-", e.Detail ?? "-", latest.Method, latest.Path, e.CorrelationId);
        recorder.HttpRefusal(e with { Count = count });
    }

    /// <summary>What a pace is kept for: who was refused where, and why.</summary>
    private readonly record struct RefusalSource(string Source, string? Connector, string? Stage, string? Code, string? Reason);

    /// <summary>A refusal held back: its audit event and what its log line would have named.</summary>
    private sealed record PacedRefusal(AuditEvent Event, string Method, string Path);
}
