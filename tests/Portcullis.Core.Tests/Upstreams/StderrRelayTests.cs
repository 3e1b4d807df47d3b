using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Tests.Diagnostics;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Tests.Upstreams;

/// <summary>Before, an upstream's stderr flood was logged line for line (about a gigabyte a minute).</summary>
public sealed class StderrRelayTests
{
    [Fact]
    public void Line_AFlood_IsLoggedAtMostTheBudgetASecond_TheRestCounted_AndLongLinesCut()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var log = new ListLogger();
        var relay = new StderrRelay("crm", time, log);

        for (var i = 0; i < 1000; i++)
        {
            relay.Line("line " + i);
        }

        time.Advance(TimeSpan.FromSeconds(1));
        relay.Line(new string('x', 100_000));

        Assert.Equal(StderrRelay.LinesPerSecond + 3, log.Lines.Count);
        Assert.Equal("Connector crm upstream stderr: line 99", log.Lines[StderrRelay.LinesPerSecond - 1]);
        Assert.Equal($"Connector crm: 1 upstream stderr line(s) not logged (more than {StderrRelay.LinesPerSecond} a second)", log.Lines[^3]);
        Assert.Equal($"Connector crm: 899 upstream stderr line(s) not logged (more than {StderrRelay.LinesPerSecond} a second)", log.Lines[^2]);
        Assert.True(log.Lines[^1].Length < StderrRelay.MaxLineChars + 200, log.Lines[^1].Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Before, the lines over the budget were reported only when a later line came: the tail of a crash's trace never was.</summary>
    [Fact]
    public void Line_AFloodThenSilence_TheLinesNotLoggedAreReportedWithinASecond_AndAtStop()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var log = new ListLogger();
        var relay = new StderrRelay("crm", time, log);
        for (var i = 0; i < 300; i++)
        {
            relay.Line("at Frame" + i);
        }

        time.Advance(TimeSpan.FromSeconds(1));
        var afterASecond = log.Lines[^1];
        for (var i = 0; i < 150; i++)
        {
            relay.Line("again " + i);
        }

        relay.Flush();

        Assert.Equal("Connector crm: 199 upstream stderr line(s) not logged (more than 100 a second)", afterASecond);
        Assert.Equal("Connector crm: 50 upstream stderr line(s) not logged (more than 100 a second)", log.Lines[^1]);
    }
}
