using System.Buffers;
using System.Text;

namespace Portcullis.Core.Diagnostics;

/// <summary>
/// Writes log lines to a stream in batches from one background thread: a line is appended to a buffer in memory, and
/// the thread writes what has gathered in one <c>write</c> at most every <see cref="DefaultGather"/>. A gateway logging every
/// call made one system call and one thread wake-up per line with the console logger's own queue. A line at warning
/// or above is written without waiting for the gather; a full buffer makes the caller wait (no line is dropped); the
/// process's exit, an unhandled exception and <see cref="Dispose"/> write what is left, each waiting at most
/// <see cref="StopWait"/> for a writer stuck on a blocked stream. A failing stream never throws into a caller.
/// </summary>
internal sealed class BatchedLineWriter : IDisposable
{
    /// <summary>How long the first line of a batch waits for more before the batch is written.</summary>
    internal static readonly TimeSpan DefaultGather = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// How much may wait in memory before callers wait for the writer (a blocked pipe, a slow terminal); with the batch
    /// being written and its bytes, the writer holds at most a few times this.
    /// </summary>
    internal const int MaxPendingChars = 1 << 20;

    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(2);

    /// <summary>A batch buffer grown past this is dropped after its write rather than kept.</summary>
    private const int KeptCapacity = 64 * 1024;

    private readonly Stream _output;
    private readonly TimeSpan _gather;
    private readonly Encoder _encoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetEncoder();
    private readonly object _gate = new();
    private readonly Lock _writing = new();
    private readonly Thread _thread;
    private StringBuilder _pending = new();
    private StringBuilder _spare = new();
    private bool _urgent;
    private bool _stopping;

    public BatchedLineWriter(Stream output, TimeSpan? gather = null)
    {
        _output = output;
        _gather = gather ?? DefaultGather;
        _thread = new Thread(Run) { IsBackground = true, Name = "Portcullis log writer" };
        _thread.Start();
        AppDomain.CurrentDomain.ProcessExit += OnExit;
        AppDomain.CurrentDomain.UnhandledException += OnUnhandledException;
    }

    /// <summary>Queues <paramref name="line"/> (already ending in a newline); <paramref name="urgent"/> writes it now.</summary>
    public void Append(StringBuilder line, bool urgent)
    {
        // A line logged from inside a write (the stream logging, a handler on the writer's thread) only queues:
        // waiting for room or flushing here would wait on this very thread.
        var inWrite = _writing.IsHeldByCurrentThread;
        bool stopped;
        lock (_gate)
        {
            while (_pending.Length >= MaxPendingChars && !_stopping && !inWrite)
            {
                Monitor.Wait(_gate);
            }

            var wake = _pending.Length == 0 || (urgent && !_urgent);
            _pending.Append(line);
            _urgent |= urgent;
            if (wake)
            {
                Monitor.PulseAll(_gate);
            }

            stopped = _stopping;
        }

        if (stopped && !inWrite)
        {
            // The writer thread has stopped or is stopping: a line logged during shutdown is written here.
            Flush();
        }
    }

    /// <summary>Writes everything queued so far, on the caller's thread.</summary>
    public void Flush() => TryFlush(Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        Stop();
        if (_thread.Join(StopWait) && TryFlush(StopWait))
        {
            AppDomain.CurrentDomain.ProcessExit -= OnExit;
            AppDomain.CurrentDomain.UnhandledException -= OnUnhandledException;
        }
    }

    /// <summary>
    /// Writes what is queued unless another write holds the stream for longer than <paramref name="wait"/> (a
    /// blocked stderr must not hang the process's exit); false then. A call from inside a write returns at once.
    /// </summary>
    private bool TryFlush(TimeSpan wait)
    {
        if (_writing.IsHeldByCurrentThread || !_writing.TryEnter(wait))
        {
            return false;
        }

        try
        {
            StringBuilder batch;
            lock (_gate)
            {
                batch = TakeLocked();
            }

            Write(batch);
            if (batch.Capacity > KeptCapacity)
            {
                // The batch is the spare buffer now: a large one is let go rather than kept (or shrunk by a copy).
                _spare = new StringBuilder();
            }
            else
            {
                batch.Clear();
            }

            return true;
        }
        finally
        {
            _writing.Exit();
        }
    }

    /// <summary>From now on every line is written by the thread that logs it.</summary>
    private void Stop()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
    }

    private void Run()
    {
        while (true)
        {
            lock (_gate)
            {
                while (_pending.Length == 0 && !_stopping)
                {
                    Monitor.Wait(_gate);
                }

                if (_pending.Length == 0)
                {
                    return;
                }

                if (!_urgent && !_stopping)
                {
                    // More lines join the batch meanwhile; an urgent line or Dispose cuts the wait short.
                    Monitor.Wait(_gate, _gather);
                }
            }

            Flush();
        }
    }

    /// <summary>Swaps the pending buffer for the spare one; the caller holds <c>_writing</c>, then <c>_gate</c>.</summary>
    private StringBuilder TakeLocked()
    {
        var batch = _pending;
        (_pending, _spare) = (_spare, batch);
        _urgent = false;
        Monitor.PulseAll(_gate);
        return batch;
    }

    private void Write(StringBuilder batch)
    {
        if (batch.Length == 0)
        {
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(batch.Length));
        try
        {
            var count = 0;
            foreach (var chunk in batch.GetChunks())
            {
                count += _encoder.GetBytes(chunk.Span, buffer.AsSpan(count), flush: false);
            }

            count += _encoder.GetBytes([], buffer.AsSpan(count), flush: true);
            _output.Write(buffer, 0, count);
            _output.Flush();
        }
        catch (Exception)
        {
            // stderr closed, broken or refusing (an I/O error, EACCES, a file over its size limit): the lines cannot go
            // anywhere, and logging must neither fail its caller nor end the writer's thread.
            _encoder.Reset();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void OnExit(object? sender, EventArgs e)
    {
        Stop();
        TryFlush(StopWait);
    }

    private void OnUnhandledException(object? sender, UnhandledExceptionEventArgs e) => TryFlush(StopWait);
}
