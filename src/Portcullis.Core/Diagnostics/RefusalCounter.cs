namespace Portcullis.Core.Diagnostics;

/// <summary>
/// Counts the requests the gateway refuses at the HTTP level (metric <c>portcullis.http.refusals</c>, by stage and
/// code; counted here and nowhere else) and paces the reports of malformed requests: at most one per
/// <see cref="ReportInterval"/>, carrying how many were refused since the previous one and the latest of them, so junk
/// traffic cannot flood the log. What a burst leaves unreported is taken by <see cref="TakeDue"/> once the interval
/// has passed even if nothing more arrives, and by <see cref="TakeRest"/> at stop.
/// </summary>
internal sealed class RefusalCounter(GatewayTelemetry telemetry, TimeProvider time)
{
    public static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(60);

    private long _total;
    private long _unreported;
    private long _nextReportAt = long.MinValue;
    private JunkRefusal? _latest;

    /// <summary>Every refusal counted since start.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Counts one refusal that is logged and audited on its own.</summary>
    public void Count(string stage, string code)
    {
        telemetry.HttpRefusals.Add(1, new("stage", stage), new("code", code));
        Interlocked.Increment(ref _total);
    }

    /// <summary>Counts one malformed request; returns the report to log now, or null when this one waits for the next.</summary>
    public JunkReport? CountJunk(string stage, JunkRefusal refusal)
    {
        Count(stage, refusal.Code);
        Volatile.Write(ref _latest, refusal);
        Interlocked.Increment(ref _unreported);
        return TakeDue();
    }

    /// <summary>The malformed requests not reported yet, when a report is due; null otherwise.</summary>
    public JunkReport? TakeDue()
    {
        if (Interlocked.Read(ref _unreported) == 0)
        {
            return null;
        }

        var now = time.GetTimestamp();
        var due = Interlocked.Read(ref _nextReportAt);
        var next = now + (long)(ReportInterval.TotalSeconds * time.TimestampFrequency);
        return now >= due && Interlocked.CompareExchange(ref _nextReportAt, next, due) == due ? Take() : null;
    }

    /// <summary>The malformed requests not reported yet, due or not: at stop, so none goes unreported.</summary>
    public JunkReport? TakeRest() => Take();

    private JunkReport? Take()
    {
        var count = Interlocked.Exchange(ref _unreported, 0);
        return count > 0 && Volatile.Read(ref _latest) is { } latest ? new JunkReport(count, latest) : null;
    }
}
