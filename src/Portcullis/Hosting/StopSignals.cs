using System.Runtime.InteropServices;

namespace Portcullis.Hosting;

/// <summary>
/// SIGTERM, SIGINT (Ctrl+C) and SIGHUP while work that starts upstreams runs outside the host (serve's start-up gate,
/// lint's and pin's listing): each cancels <see cref="Token"/>, so the work stops and the stdio upstreams started so far
/// are stopped with it.
/// </summary>
/// <remarks>
/// That work may wait long (a state store that is not there yet is retried for as long as it takes, an upstream may be
/// slow to list). The signals' defaults ended the process there at once, exit code 143, leaving its upstream processes
/// running behind it: in a process group of their own (GroupLeaderProcess), no signal to the gateway's group reaches them.
/// </remarks>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;
    private PosixSignal? _received;

    public StopSignals()
    {
        _registrations = [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP }.Select(s => PosixSignalRegistration.Create(s, Stop))];
    }

    /// <summary>Cancelled once one of the signals has come.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>
    /// The shell's code for a process a signal ended, 128 plus its number: 143 (SIGTERM), 130 (SIGINT), 129 (SIGHUP),
    /// the code these commands exited with before they stopped cleanly.
    /// </summary>
    public int ExitCode => 128 + _received switch
    {
        PosixSignal.SIGINT => 2,
        PosixSignal.SIGHUP => 1,
        _ => 15,
    };

    /// <summary>The signal's name, such as <c>SIGTERM</c>.</summary>
    public string Name => (_received ?? PosixSignal.SIGTERM).ToString();

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
        _received ??= context.Signal;
        _stop.Cancel();
    }
}
