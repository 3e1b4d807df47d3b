using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Tests.Diagnostics;

/// <summary>
/// Before, each paced report (malformed requests, session-limit refusals, stray stdout and dropped stderr lines, dropped
/// audit events) was written only when a later event found it due: the events after the last report waited for another
/// one, and were never reported if none came.
/// </summary>
public sealed class PacedReportTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<(long Count, string Latest)> _reports = [];

    [Fact]
    public void Add_TheFirstAtOnce_ThenAtMostOncePerInterval_WithTheCountSinceTheLastAndTheLatest()
    {
        using var paced = Paced();

        paced.Add("e0");
        for (var i = 1; i < 1000; i++)
        {
            paced.Add("e" + i);
        }

        _time.Advance(Interval - TimeSpan.FromSeconds(1));
        var beforeTheInterval = _reports.Count;
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1, beforeTheInterval);
        Assert.Equal([(1L, "e0"), (999L, "e999")], _reports);
    }

    [Fact]
    public void Stop_ReportsWhatIsHeld_AndEachLaterEventAtOnce_NotOnATimerThatMayNeverFire()
    {
        using var paced = Paced();
        paced.Add("first");
        paced.Add("held");

        paced.Stop();
        paced.Add("straggler");
        paced.Add("another");

        Assert.Equal([(1L, "first"), (1L, "held"), (1L, "straggler"), (1L, "another")], _reports);
    }

    [Fact]
    public void Add_TheLastOfABurst_IsReportedOnceTheIntervalPasses_WithNothingMoreArriving()
    {
        using var paced = Paced();
        paced.Add("first");
        _time.Advance(TimeSpan.FromSeconds(10));
        paced.Add("held");

        _time.Advance(Interval - TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));
        var early = _reports.Count;
        _time.Advance(TimeSpan.FromMilliseconds(1));
        _time.Advance(Interval * 3);

        Assert.Equal(1, early);
        Assert.Equal([(1L, "first"), (1L, "held")], _reports);
    }

    [Fact]
    public void Add_AfterATimedReport_WaitsAWholeIntervalFromThatReport()
    {
        using var paced = Paced();
        paced.Add("a");
        paced.Add("b");
        _time.Advance(Interval);
        paced.Add("c");
        _time.Advance(Interval - TimeSpan.FromSeconds(1));
        var early = _reports.Count;
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(2, early);
        Assert.Equal([(1L, "a"), (1L, "b"), (1L, "c")], _reports);
    }

    [Fact]
    public void Flush_ReportsWhatIsHeldWhetherDueOrNot_AndNothingWhenNoneIs()
    {
        using var paced = Paced();
        paced.Flush();
        paced.Add("a");
        paced.Add("b");
        paced.Add("c");

        paced.Flush();
        paced.Flush();
        _time.Advance(Interval * 2);

        Assert.Equal([(1L, "a"), (2L, "c")], _reports);
    }

    [Fact]
    public void Quiet_OnlyWithNothingHeldAndNoReportWithinTheInterval()
    {
        using var paced = Paced();
        var fresh = paced.Quiet;
        paced.Add("a");
        var justReported = paced.Quiet;
        paced.Add("b");
        var holding = paced.Quiet;
        _time.Advance(Interval);
        var reportedByTheTimer = paced.Quiet;
        _time.Advance(Interval);

        Assert.True(fresh);
        Assert.False(justReported);
        Assert.False(holding);
        Assert.False(reportedByTheTimer);
        Assert.True(paced.Quiet);
    }

    [Fact]
    public void Dispose_StopsTheTimerWithoutReporting()
    {
        var paced = Paced();
        paced.Add("a");
        paced.Add("b");

        paced.Dispose();
        _time.Advance(Interval * 2);

        Assert.Equal([(1L, "a")], _reports);
    }

    private PacedReport<string> Paced() => new(Interval, _time, (count, latest) => _reports.Add((count, latest)));
}
