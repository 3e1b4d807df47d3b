using System.Text;
using Portcullis.Core.Upstreams;
using Portcullis.Core.Upstreams.Http;

namespace Portcullis.Core.Tests.Upstreams;

public sealed class AnswerLimitStreamTests
{
    [Fact]
    public async Task JsonBody_CountsWhole()
    {
        Assert.Equal(100, (await ReadAllAsync(new string('x', 100), limit: 100, perEvent: false, chunk: 7)).Length);
        await Assert.ThrowsAsync<UpstreamAnswerTooLargeException>(() => ReadAllAsync(new string('x', 101), limit: 100, perEvent: false, chunk: 7));
    }

    [Theory]
    [InlineData("\n", 1)]
    [InlineData("\r\n", 1)]
    [InlineData("\n", 3)]
    [InlineData("\r\n", 2)]
    public async Task EventStream_CountsEachEventFromZero(string newline, int chunk)
    {
        // Forty events of about 60 bytes each: 2,400 bytes in all, each event well under the limit of 100.
        var events = string.Concat(Enumerable.Range(0, 40).Select(i => $"event: message{newline}data: {new string('x', 40)}{i:D2}{newline}{newline}"));
        Assert.Equal(events, await ReadAllAsync(events, limit: 100, perEvent: true, chunk: chunk));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(4096)]
    public async Task EventStream_OneEventOverTheLimit_Throws(int chunk)
    {
        // With a chunk of 4096 the oversized event and the empty line after it arrive in one read.
        var events = "data: small\n\n" + "data: " + new string('x', 200) + "\n\n" + "data: small\n\n";
        var cuts = 0;
        await Assert.ThrowsAsync<UpstreamAnswerTooLargeException>(() => ReadAllAsync(events, limit: 100, perEvent: true, chunk: chunk, onCut: () => cuts++));
        Assert.Equal(1, cuts);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4096)]
    public async Task EventStream_LinesEndingWithCrAlone_EndEventsToo(int chunk)
    {
        var events = string.Concat(Enumerable.Range(0, 40).Select(i => $"data: {new string('x', 40)}{i:D2}\r\r"));
        Assert.Equal(events, await ReadAllAsync(events, limit: 100, perEvent: true, chunk: chunk));
    }

    [Fact]
    public async Task EventStream_ManyLinesOfOneEvent_CountTogether()
    {
        // A data field split over many lines is still one event: no single line is long, the event is.
        var events = string.Concat(Enumerable.Repeat("data: " + new string('x', 20) + "\n", 10)) + "\n";
        await Assert.ThrowsAsync<UpstreamAnswerTooLargeException>(() => ReadAllAsync(events, limit: 100, perEvent: true, chunk: 5));
    }

    private static async Task<string> ReadAllAsync(string text, long limit, bool perEvent, int chunk, Action? onCut = null)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var stream = new AnswerLimitStream(new MemoryStream(Encoding.UTF8.GetBytes(text)), new AnswerLimit(limit, perEvent, onCut));
        var output = new MemoryStream();
        var buffer = new byte[chunk];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancel.Token)) > 0)
        {
            output.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(output.ToArray());
    }
}
