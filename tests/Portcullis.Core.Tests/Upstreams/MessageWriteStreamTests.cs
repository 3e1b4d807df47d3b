using System.Text;
using Portcullis.Core.Upstreams.Stdio;

namespace Portcullis.Core.Tests.Upstreams;

/// <summary>
/// A message to a stdio upstream, written as the MCP SDK writes it (the message, its newline, a flush), reaches the pipe
/// in one write; one whose flush failed or was cancelled is never written later.
/// </summary>
public sealed class MessageWriteStreamTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task MessageThenNewlineThenFlush_OneWriteToThePipe()
    {
        var pipe = new WritesStream();
        var stream = new MessageWriteStream(pipe);

        await SendAsync(stream, """{"jsonrpc":"2.0","id":1,"method":"ping"}""", CancellationToken.None);
        await SendAsync(stream, """{"jsonrpc":"2.0","id":2,"method":"ping"}""", CancellationToken.None);

        Assert.Equal(["""{"jsonrpc":"2.0","id":1,"method":"ping"}""" + "\n", """{"jsonrpc":"2.0","id":2,"method":"ping"}""" + "\n"], pipe.Writes);
        Assert.Equal(2, pipe.Flushes);
    }

    /// <summary>
    /// Cancelled while the pipe was full (the upstream not reading): a <see cref="BufferedStream"/> kept the message and
    /// wrote it with the next one, so a call the gateway had given up on reached the upstream later.
    /// </summary>
    [Fact]
    public async Task FlushCancelledWhileThePipeIsFull_ThatMessageIsNeverWritten_TheNextGoesAlone()
    {
        var pipe = new WritesStream { CancelNextWrite = true };
        var stream = new MessageWriteStream(pipe);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SendAsync(stream, """{"id":1,"method":"tools/call"}""", CancellationToken.None).WaitAsync(Wait));
        await SendAsync(stream, """{"method":"notifications/cancelled"}""", CancellationToken.None);

        Assert.Equal(["""{"method":"notifications/cancelled"}""" + "\n"], pipe.Writes);
    }

    [Fact]
    public async Task FlushFails_ThatMessageIsNeverWritten_TheNextGoesAlone()
    {
        var pipe = new WritesStream { FailNextWrite = true };
        var stream = new MessageWriteStream(pipe);

        await Assert.ThrowsAsync<IOException>(() => SendAsync(stream, "first", CancellationToken.None).WaitAsync(Wait));
        await SendAsync(stream, "second", CancellationToken.None);

        Assert.Equal(["second\n"], pipe.Writes);
    }

    [Fact]
    public async Task LargeMessage_WrittenAtOnceNotCopied_ItsNewlineWithTheFlush()
    {
        var pipe = new WritesStream();
        var stream = new MessageWriteStream(pipe);
        var large = new string('a', MessageWriteStream.PassThroughBytes);

        await SendAsync(stream, large, CancellationToken.None);
        await SendAsync(stream, "small", CancellationToken.None);

        Assert.Equal([large, "\n", "small\n"], pipe.Writes);
    }

    /// <summary>As the SDK's stream transport sends: the message's bytes, a newline, a flush.</summary>
    private static async Task SendAsync(Stream stream, string message, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(message), cancellationToken);
        await stream.WriteAsync("\n"u8.ToArray(), cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>A pipe that records each write as one string, and can fail the next.</summary>
    private sealed class WritesStream : Stream
    {
        public List<string> Writes { get; } = [];

        public int Flushes { get; private set; }

        public bool FailNextWrite { get; set; }

        public bool CancelNextWrite { get; set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (CancelNextWrite)
            {
                CancelNextWrite = false;
                throw new OperationCanceledException("The write was cancelled while the pipe was full.");
            }

            if (FailNextWrite)
            {
                FailNextWrite = false;
                throw new IOException("Broken pipe");
            }

            Writes.Add(Encoding.UTF8.GetString(buffer.Span));
            return ValueTask.CompletedTask;
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Flushes++;
            return Task.CompletedTask;
        }

        public override void Flush() => Flushes++;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
