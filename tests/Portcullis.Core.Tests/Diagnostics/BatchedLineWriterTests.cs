using System.Text;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Tests.Diagnostics;

/// <summary>The log writer batches lines, but loses none, keeps their order, and does not hold back a warning.</summary>
public sealed class BatchedLineWriterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Append_ManyThreads_EveryLineWrittenWholeAndInEachThreadsOrder()
    {
        var output = new RecordingStream();
        using (var writer = new BatchedLineWriter(output))
        {
            var threads = Enumerable.Range(0, 8).Select(t => Task.Run(() =>
            {
                for (var i = 0; i < 2_000; i++)
                {
                    writer.Append(new StringBuilder($"thread {t} line {i} é\n"), urgent: false);
                }
            }));
            await Task.WhenAll(threads).WaitAsync(Timeout);
        }

        var lines = output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(16_000, lines.Length);
        for (var t = 0; t < 8; t++)
        {
            var own = lines.Where(l => l.StartsWith($"thread {t} ", StringComparison.Ordinal)).ToList();
            Assert.Equal(Enumerable.Range(0, 2_000).Select(i => $"thread {t} line {i} é"), own);
        }

        Assert.True(output.Writes < 16_000 / 10, $"{output.Writes} writes for 16,000 lines: not batched");
    }

    [Fact]
    public async Task Append_RoutineLinesWaitForTheGather_AnUrgentLineTakesThemAlong()
    {
        var output = new RecordingStream();
        using var writer = new BatchedLineWriter(output, gather: TimeSpan.FromMinutes(1));

        writer.Append(new StringBuilder("info: one\n"), urgent: false);
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        Assert.Equal("", output.Text);
        writer.Append(new StringBuilder("warn: two\n"), urgent: true);

        await output.WaitForAsync("info: one\nwarn: two\n");
        Assert.Equal(1, output.Writes);
    }

    [Fact]
    public async Task Dispose_OutputBlocked_GivesUpWithinSeconds()
    {
        var output = new RecordingStream();
        output.Block();
        var writer = new BatchedLineWriter(output);
        writer.Append(new StringBuilder("stuck\n"), urgent: true);
        await output.WaitForWriterAsync();

        // The writer's thread is inside the blocked write: shutdown must not wait for it for ever.
        await Task.Run(writer.Dispose).WaitAsync(Timeout);
        output.Unblock();
    }

    [Fact]
    public void Dispose_WritesWhatIsQueued_AndLinesAfterItAreStillWritten()
    {
        var output = new RecordingStream();
        var writer = new BatchedLineWriter(output);
        writer.Append(new StringBuilder("info: before\n"), urgent: false);

        writer.Dispose();
        writer.Append(new StringBuilder("info: after\n"), urgent: false);

        Assert.Equal("info: before\ninfo: after\n", output.Text);
    }

    [Fact]
    public async Task Append_BrokenOutput_DoesNotThrowAndLaterLinesStillGo()
    {
        var output = new RecordingStream { FailNextWrite = true };
        using var writer = new BatchedLineWriter(output);

        writer.Append(new StringBuilder("lost\n"), urgent: true);
        await output.WaitForFailureAsync().WaitAsync(Timeout);
        writer.Append(new StringBuilder("kept\n"), urgent: true);

        await output.WaitForAsync("kept\n");
    }

    [Fact]
    public async Task AppendAndFlush_FromInsideAWrite_QueueWithoutReenteringTheWrite()
    {
        var output = new RecordingStream();
        using var writer = new BatchedLineWriter(output);
        output.DuringWrite = () =>
        {
            writer.Append(new StringBuilder("from the write\n"), urgent: true);
            writer.Flush();
            writer.Append(new StringBuilder("after the flush\n"), urgent: true);
        };

        writer.Append(new StringBuilder("first\n"), urgent: true);

        // A flush that re-entered the write would swap in the buffer being written and lose the line after it.
        await output.WaitForAsync("first\nfrom the write\nafter the flush\n");
    }

    [Fact]
    public async Task Append_OutputBlocked_CallersWaitForRoomAndNothingIsDropped()
    {
        var output = new RecordingStream();
        output.Block();
        using var writer = new BatchedLineWriter(output);
        var line = new string('x', 1023) + "\n";

        // More than the writer keeps in memory: the appends must wait for the blocked output, not drop lines.
        var appending = Task.Run(() =>
        {
            for (var i = 0; i < 3 * BatchedLineWriter.MaxPendingChars / line.Length; i++)
            {
                writer.Append(new StringBuilder(line), urgent: false);
            }
        });
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.False(appending.IsCompleted);

        output.Unblock();
        await appending.WaitAsync(Timeout);
        writer.Flush();
        Assert.Equal(3 * BatchedLineWriter.MaxPendingChars / line.Length * line.Length, output.Text.Length);
    }

    /// <summary>Keeps what is written and counts the writes; can fail one write or block until released.</summary>
    private sealed class RecordingStream : Stream
    {
        private readonly MemoryStream _written = new();
        private readonly ManualResetEventSlim _open = new(initialState: true);
        private readonly TaskCompletionSource _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _writing = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool FailNextWrite { get; set; }

        /// <summary>Runs once, inside the next write: a line logged by the write path itself.</summary>
        public Action? DuringWrite { get; set; }

        public int Writes { get; private set; }

        public string Text
        {
            get
            {
                lock (_written)
                {
                    return Encoding.UTF8.GetString(_written.ToArray());
                }
            }
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Block() => _open.Reset();

        public void Unblock() => _open.Set();

        /// <summary>Completes once a write has begun (and, if blocked, is waiting).</summary>
        public Task WaitForWriterAsync() => _writing.Task.WaitAsync(Timeout);

        public Task WaitForFailureAsync() => _failed.Task;

        public async Task WaitForAsync(string text)
        {
            using var cts = new CancellationTokenSource(Timeout);
            while (Text != text)
            {
                await Task.Delay(5, cts.Token);
            }
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            _writing.TrySetResult();
            _open.Wait(Timeout);
            if (FailNextWrite)
            {
                FailNextWrite = false;
                _failed.TrySetResult();
                // What the runtime raises for EACCES or EBADF on stderr: not an IOException.
                throw new UnauthorizedAccessException("Permission denied");
            }

            lock (_written)
            {
                Writes++;
                _written.Write(buffer, offset, count);
            }

            if (DuringWrite is { } during)
            {
                DuringWrite = null;
                during();
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
