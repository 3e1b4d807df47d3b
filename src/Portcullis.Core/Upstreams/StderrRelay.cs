using Microsoft.Extensions.Logging;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Upstreams;

/// <summary>
/// Relays a stdio upstream's stderr lines to the log (event 1004), each cut to <see cref="MaxLineChars"/> and at most
/// <see cref="LinesPerSecond"/> a second: an upstream that floods its stderr would otherwise write the gateway's log
/// at its own pace (about a gigabyte a minute). Lines over the budget are counted and reported once the next second
/// begins (event 1008). One relay serves every start of the upstream, so a restart does not renew the budget early.
/// </summary>
internal sealed class StderrRelay(string connector, TimeProvider time, ILogger logger)
{
    internal const int MaxLineChars = 4096;

    internal const int LinesPerSecond = 100;

    private readonly Lock _gate = new();
    private long _windowStart;
    private int _inWindow;
    private long _dropped;

    public void Line(string line)
    {
        long dropped = 0;
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (_windowStart == 0 || time.GetElapsedTime(_windowStart, now) >= TimeSpan.FromSeconds(1))
            {
                _windowStart = now;
                _inWindow = 0;
                dropped = _dropped;
                _dropped = 0;
            }

            if (_inWindow >= LinesPerSecond)
            {
                _dropped++;
                return;
            }

            _inWindow++;
        }

        if (dropped > 0)
        {
            Log.UpstreamStderrDropped(logger, connector, dropped, LinesPerSecond);
        }

        Log.UpstreamStderr(logger, connector, line.Length > MaxLineChars ? string.Concat(line.AsSpan(0, MaxLineChars), "…") : line);
    }
}
