using Portcullis.Hosting;

namespace Portcullis.Cli;

/// <summary>
/// Runs a command that starts the upstreams outside the host (<c>lint</c>, <c>pin</c>) so that SIGTERM, SIGINT or
/// SIGHUP cancels it: the upstreams it started are stopped, nothing is written, and it exits 128 plus the signal's
/// number, as the shell reports a process a signal ended.
/// </summary>
internal static class Interruptible
{
    public static async Task<int> RunAsync(string unfinished, Func<CancellationToken, Task<int>> work, CancellationToken cancellationToken)
    {
        using var signals = new StopSignals();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, signals.Token);
        try
        {
            return await work(stop.Token);
        }
        catch (OperationCanceledException) when (signals.Token.IsCancellationRequested)
        {
            Console.Error.WriteLine($"Stopped by {signals.Name}: the upstreams it started were stopped; {unfinished}.");
            return signals.ExitCode;
        }
    }
}
