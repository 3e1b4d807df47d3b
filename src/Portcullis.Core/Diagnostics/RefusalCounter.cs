namespace Portcullis.Core.Diagnostics;

/// <summary>
/// Counts the requests the gateway refuses at the HTTP level (metric <c>portcullis.http.refusals</c>, by stage and
/// code; counted here and nowhere else) and paces the log lines of malformed frames: at most one per
/// <see cref="ReportInterval"/>, carrying how many were refused since the previous one, so junk traffic cannot
/// flood the log.
/// </summary>
internal sealed class RefusalCounter(GatewayTelemetry telemetry, TimeProvider time)
{
    public static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(60);

    private long _total;
    private long _unreported;
    private long _nextReportAt = long.MinValue;

    /// <summary>Every refusal counted since start.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Counts one refusal; returns the malformed frames to report now, or 0 when this one is only counted.</summary>
    public long Count(string stage, string code, bool malformed)
    {
        telemetry.HttpRefusals.Add(1, new("stage", stage), new("code", code));
        Interlocked.Increment(ref _total);
        if (!malformed)
        {
            return 0;
        }

        Interlocked.Increment(ref _unreported);
        var now = time.GetTimestamp();
        var due = Interlocked.Read(ref _nextReportAt);
        var next = now + (long)(ReportInterval.TotalSeconds * time.TimestampFrequency);
        return now >= due && Interlocked.CompareExchange(ref _nextReportAt, next, due) == due
            ? Interlocked.Exchange(ref _unreported, 0)
            : 0;
    }
}
