using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Tests.Diagnostics;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Tests.Upstreams;

/// <summary>Before, an upstream's stderr flood was logged line for line (about a gigabyte a minute).</summary>
public sealed class StderrRelayTests
{
    [Fact]
    public void Line_AFlood_IsLoggedAtMostTheBudgetASecond_TheRestCountedOnce_AndLongLinesCut()
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

        Assert.Equal(StderrRelay.LinesPerSecond + 2, log.Lines.Count);
        Assert.Contains($"900 upstream stderr line(s) not logged (more than {StderrRelay.LinesPerSecond} a second)", log.Lines[^2], StringComparison.Ordinal);
        Assert.True(log.Lines[^1].Length < StderrRelay.MaxLineChars + 200, log.Lines[^1].Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
