using System.Text;
using Portcullis.Core.Upstreams.Stdio;

namespace Portcullis.Core.Tests.Upstreams;

/// <summary>How a stdio upstream's output streams are read: standard error in cut lines, standard output a bounded line at a time.</summary>
public sealed class StdioBoundsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task StderrLines_LongLineCutAndItsRestSkipped_OtherLinesWhole()
    {
        var text = "first\r\n" + new string('e', StderrLines.MaxLineBytes + 5000) + "\nafter\nlast without newline";
        var lines = new List<string>();

        await StderrLines.PumpAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), lines.Add, CancellationToken.None).WaitAsync(Wait);

        Assert.Equal(4, lines.Count);
        Assert.Equal("first", lines[0]);
        Assert.Equal(new string('e', StderrLines.MaxLineBytes) + "…", lines[1]);
        Assert.Equal("after", lines[2]);
        Assert.Equal("last without newline", lines[3]);
    }

    [Fact]
    public async Task LineLimitStream_LinesWithinTheLimitPass_ALongerOneFails()
    {
        var within = new string('a', 100) + "\n" + new string('b', 100) + "\n";
        var stream = new LineLimitStream(new MemoryStream(Encoding.UTF8.GetBytes(within + new string('c', 101))), maxLineBytes: 100);
        var buffer = new byte[64];
        var read = 0;

        var failure = await Assert.ThrowsAsync<IOException>(async () =>
        {
            while (await stream.ReadAsync(buffer).AsTask().WaitAsync(Wait) is var n && n > 0)
            {
                read += n;
            }
        });

        Assert.True(read >= within.Length, $"{read} bytes passed before the refusal");
        Assert.Contains("more than 100 bytes", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LineLimitStream_LinesThatCannotBeJsonRpc_AreHandedOnAndTheReaderSeesEveryLineUnchanged()
    {
        var text = "{\"jsonrpc\":\"2.0\"}\n  \r\nStarting server…\r\n\t {\"id\":1}\n" + new string('x', 5000) + "\nlast without newline";
        var stray = new List<string>();
        var stream = new LineLimitStream(new MemoryStream(Encoding.UTF8.GetBytes(text)), maxLineBytes: 10_000, stray.Add);

        // The SDK's reader, in small reads so lines span several of them.
        using var reader = new StreamReader(new BufferedStream(stream, 7), Encoding.UTF8);
        var read = await reader.ReadToEndAsync().WaitAsync(Wait);

        Assert.Equal(text, read);
        Assert.Equal(2, stray.Count);
        Assert.Equal("Starting server…", stray[0]);
        Assert.StartsWith("xxxx", stray[1], StringComparison.Ordinal);
        Assert.True(stray[1].Length <= 1024, stray[1].Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
