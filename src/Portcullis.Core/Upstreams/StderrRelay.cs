using Microsoft.Extensions.Logging;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Upstreams;

/// <summary>
/// Relays a stdio upstream's stderr lines to the log (event 1004), each cut to <see cref="MaxLineChars"/> and at most
/// <see cref="LinesPerSecond"/> a second: an upstream that floods its stderr would otherwise write the gateway's log
/// at its own pace (about a gigabyte a minute). Lines over the budget are counted and reported at most once a second
/// (event 1008), also when nothing follows them (the tail of a crash's trace). One relay serves every start of the
/// upstream, so a restart does not renew the budget early.
/// </summary>
internal sealed class StderrRelay(string connector, TimeProvider time, ILogger logger)
{
    internal const int MaxLineChars = 4096;

    internal const int LinesPerSecond = 100;

    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    private readonly PacedReport<bool> _dropped = new(Window, time, (dropped, _) => Log.UpstreamStderrDropped(logger, connector, dropped, LinesPerSecond));
    private readonly Lock _gate = new();
    private long _windowStart;
    private int _inWindow;

    public void Line(string line)
    {
        if (!WithinBudget())
        {
            _dropped.Add(true);
            return;
        }

        Log.UpstreamStderr(logger, connector, line.Length > MaxLineChars ? string.Concat(line.AsSpan(0, MaxLineChars), "…") : line);
    }

    /// <summary>Logs how many lines were not logged, due or not: once the upstream has stopped for good.</summary>
    public void Flush() => _dropped.Flush();

    private bool WithinBudget()
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (_windowStart == 0 || time.GetElapsedTime(_windowStart, now) >= Window)
            {
                _windowStart = now;
                _inWindow = 0;
            }

            if (_inWindow >= LinesPerSecond)
            {
                return false;
            }

            _inWindow++;
            return true;
        }
    }
}
