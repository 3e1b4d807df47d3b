using System.Runtime.InteropServices;

namespace Portcullis.Hosting;

/// <summary>
/// SIGTERM, SIGINT (Ctrl+C) and SIGHUP while the start-up gate runs, before the host handles them: each cancels
/// <see cref="Token"/>, so the gate stops and the stdio upstreams started so far are stopped with it.
/// </summary>
/// <remarks>
/// The gate may wait long (a state store that is not there yet is retried for as long as it takes). The signals'
/// defaults ended the process there at once, exit code 143, leaving its upstream processes running behind it.
/// </remarks>
internal sealed class StartupSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;

    public StartupSignals()
    {
        _registrations = [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP }.Select(s => PosixSignalRegistration.Create(s, Stop))];
    }

    /// <summary>Cancelled once one of the signals has come.</summary>
    public CancellationToken Token => _stop.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stop.Dispose();
    }

    private void Stop(PosixSignalContext context)
    {
        context.Cancel = true;
        _stop.Cancel();
    }
}
