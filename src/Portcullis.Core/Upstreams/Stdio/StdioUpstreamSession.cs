using System.Globalization;
using System.Threading.Channels;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>
/// One connection to a stdio upstream: the SDK's stream transport over the process's standard input and (line-limited)
/// output, closed with the process's exit code when it ends, and the whole process tree and process group killed when it
/// is disposed.
/// </summary>
internal sealed class StdioUpstreamSession : ITransport
{
    private readonly ITransport _inner;
    private readonly IUpstreamProcess _process;
    private readonly Task _stderr;
    private readonly TimeSpan _shutdownTimeout;
    private readonly Channel<JsonRpcMessage> _messages = Channel.CreateUnbounded<JsonRpcMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stopWatching = new();
    private readonly Task _relay;
    private readonly Task _watch;
    private int _disposed;

    public StdioUpstreamSession(ITransport inner, IUpstreamProcess process, Task stderr, TimeSpan shutdownTimeout)
    {
        _inner = inner;
        _process = process;
        _stderr = stderr;
        _shutdownTimeout = shutdownTimeout;
        _relay = RelayAsync();
        _watch = WatchExitAsync();
    }

    public string? SessionId => _inner.SessionId;

    public ChannelReader<JsonRpcMessage> MessageReader => _messages.Reader;

    public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        var sending = _inner.SendMessageAsync(message, cancellationToken);
        return sending.IsCompletedSuccessfully ? sending : SentOrSaidWhyAsync(sending, cancellationToken);
    }

    /// <summary>
    /// A write to a process that has exited fails with a broken pipe, often before its output is seen to end: the
    /// failure then says how the process ended, as the closed connection would (an upstream that exits at once is
    /// reported by its exit code, not by the pipe).
    /// </summary>
    private async Task SentOrSaidWhyAsync(Task sending, CancellationToken cancellationToken)
    {
        try
        {
            await sending.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (await WaitForExitAsync(_shutdownTimeout).ConfigureAwait(false) && _process.ExitCode is { } code)
            {
                throw new IOException(string.Create(CultureInfo.InvariantCulture, $"the upstream process exited with code {code}"), ex);
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // The whole tree, since a server may have started processes of its own, and its process group, which still holds
        // those whose parent has exited.
        _process.Kill();
        await _stopWatching.CancelAsync().ConfigureAwait(false);
        await _inner.DisposeAsync().ConfigureAwait(false);
        await WaitForExitAsync(_shutdownTimeout).ConfigureAwait(false);
        try
        {
            await _stderr.WaitAsync(_shutdownTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A process that escaped the kill (its parent had exited) may hold standard error open: closed below.
        }

        // The pipes are closed here, not left to finalizers: an upstream restarting in a loop would otherwise pile them up.
        _process.Dispose();
        await _relay.ConfigureAwait(false);
        await _watch.ConfigureAwait(false);
        _stopWatching.Dispose();
    }

    /// <summary>Passes the upstream's messages on; when its output ends, closes with how the process ended.</summary>
    private async Task RelayAsync()
    {
        Exception? error = null;
        try
        {
            var reader = _inner.MessageReader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var message))
                {
                    _messages.Writer.TryWrite(message);
                }
            }
        }
        catch (Exception ex)
        {
            error = ex is ClientTransportClosedException closed ? closed.Details.Exception ?? ex : ex;
        }

        // The end of the output usually means the process is exiting: wait a moment for its exit code. A read that
        // failed (a line over the limit) leaves it running until the session is disposed.
        int? exitCode = null;
        if ((error is null && await WaitForExitAsync(_shutdownTimeout).ConfigureAwait(false)) || _process.HasExited)
        {
            exitCode = _process.ExitCode;
        }

        Complete(error, exitCode, "");
    }

    /// <summary>
    /// Output normally ends when the process exits, and the relay closes the connection. A process it started may still
    /// hold the output open after the upstream itself exited: then the connection is closed here, a moment after the
    /// exit, so the upstream is seen to be gone and started again.
    /// </summary>
    private async Task WatchExitAsync()
    {
        try
        {
            await _process.WaitForExitAsync(_stopWatching.Token).ConfigureAwait(false);
            await Task.WhenAny(_relay, Task.Delay(_shutdownTimeout, _stopWatching.Token)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (!_relay.IsCompleted && !_stopWatching.IsCancellationRequested)
        {
            Complete(null, _process.ExitCode, "; processes it started still hold its output open");
        }
    }

    /// <summary>Closes the connection with how the process ended; the first close wins.</summary>
    private void Complete(Exception? error, int? exitCode, string note) =>
        _messages.Writer.TryComplete(new ClientTransportClosedException(new StdioClientCompletionDetails
        {
            ProcessId = _process.Id,
            ExitCode = exitCode,
            Exception = error ?? (exitCode is { } code && Volatile.Read(ref _disposed) == 0
                ? new IOException(string.Create(CultureInfo.InvariantCulture, $"the upstream process exited with code {code}{note}"))
                : null),
        }));

    private async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            using var deadline = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return _process.HasExited;
        }
    }
}
