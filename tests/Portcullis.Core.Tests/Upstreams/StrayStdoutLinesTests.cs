using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Tests.Diagnostics;
using Portcullis.Core.Upstreams.Stdio;

namespace Portcullis.Core.Tests.Upstreams;

/// <summary>Before, a stdio upstream's stdout lines that are not JSON-RPC were skipped without a word.</summary>
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

        time.Advance(StrayStdoutLines.LogEvery);
        lines.Line("\u001b[2J" + new string('y', 1000));

        Assert.Equal(2, log.Lines.Count);
        Assert.Equal("Connector crm: the upstream wrote 1 line(s) to its standard output that are not JSON-RPC since the last report, skipped (reported at most once a minute); the latest: banner", log.Lines[0]);
        Assert.Contains("wrote 51 line(s)", log.Lines[1], StringComparison.Ordinal);
        Assert.Contains("the latest: \\u001b[2Jyyy", log.Lines[1], StringComparison.Ordinal);
        Assert.EndsWith("y…", log.Lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain(new string('y', StrayStdoutLines.MaxLineChars), log.Lines[1], StringComparison.Ordinal);
    }
}
