using Microsoft.Extensions.Logging;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>
/// Reports the lines a stdio upstream wrote to its standard output that are not JSON-RPC (a library's banner, a stray
/// print), which the MCP SDK skips without a word: at most one log line a minute per connector (event 1024), with the
/// latest such line cut to <see cref="MaxLineChars"/> and escaped, and how many were skipped since the last report.
/// One instance serves every start of the upstream, so a restart does not renew the budget early.
/// </summary>
internal sealed class StrayStdoutLines(string connector, TimeProvider time, ILogger logger)
{
    internal const int MaxLineChars = 200;

    public static readonly TimeSpan LogEvery = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private long _loggedAt;
    private long _skipped;

    public void Line(string line)
    {
        long skipped;
        lock (_gate)
        {
            _skipped++;
            var now = time.GetTimestamp();
            if (_loggedAt != 0 && time.GetElapsedTime(_loggedAt, now) < LogEvery)
            {
                return;
            }

            skipped = _skipped;
            _skipped = 0;
            _loggedAt = now;
        }

        Log.UpstreamStdoutNotJsonRpc(logger, connector, skipped, LogText.Safe(line, MaxLineChars));
    }
}
