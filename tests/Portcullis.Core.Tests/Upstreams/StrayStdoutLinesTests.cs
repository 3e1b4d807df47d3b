using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Tests.Diagnostics;
using Portcullis.Core.Upstreams.Stdio;

namespace Portcullis.Core.Tests.Upstreams;

/// <summary>
/// Before, a stdio upstream's stdout lines that are not JSON-RPC were skipped without a word; then those after the last
/// report waited for another such line to be reported.
/// </summary>
public sealed class StrayStdoutLinesTests
{
    [Fact]
    public void Line_Many_LoggedAtMostOnceAMinuteWithTheCountSinceTheLast()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var log = new ListLogger();
        var lines = new StrayStdoutLines("crm", time, log);

        lines.Line("banner");
        for (var i = 0; i < 50; i++)
        {
            lines.Line("noise " + i);
        }

        var withinTheMinute = log.Lines.Count;
        time.Advance(StrayStdoutLines.LogEvery);
        lines.Line("\u001b[2J" + new string('y', 1000));
        lines.Flush();

        Assert.Equal(1, withinTheMinute);
        Assert.Equal(3, log.Lines.Count);
        Assert.Equal("Connector crm: the upstream wrote 1 line(s) to its standard output that are not JSON-RPC since the last report, skipped (reported at most once a minute); the latest: banner", log.Lines[0]);
        Assert.Contains("wrote 50 line(s)", log.Lines[1], StringComparison.Ordinal);
        Assert.EndsWith("the latest: noise 49", log.Lines[1], StringComparison.Ordinal);
        Assert.Contains("wrote 1 line(s)", log.Lines[2], StringComparison.Ordinal);
        Assert.Contains("the latest: \\u001b[2Jyyy", log.Lines[2], StringComparison.Ordinal);
        Assert.EndsWith("y…", log.Lines[2], StringComparison.Ordinal);
        Assert.DoesNotContain(new string('y', StrayStdoutLines.MaxLineChars), log.Lines[2], StringComparison.Ordinal);
    }
}
