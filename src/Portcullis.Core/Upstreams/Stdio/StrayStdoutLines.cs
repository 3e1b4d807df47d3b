using Microsoft.Extensions.Logging;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>
/// Reports the lines a stdio upstream wrote to its standard output that the MCP SDK skips without a word: those that are
/// not JSON-RPC (a library's banner, a stray print; event 1024, the latest line shown) and those it could not read as a
/// JSON-RPC message (JSON of another shape, or nested deeper than its reader takes; event 1026, the reader's reason
/// shown), each at most one log line a minute per connector, cut to <see cref="MaxLineChars"/> and escaped, with how
/// many were skipped since the last report. One instance serves every start of the upstream, so a restart does not
/// renew the budget early.
/// </summary>
internal sealed class StrayStdoutLines(string connector, TimeProvider time, ILogger logger) : IDisposable
{
    internal const int MaxLineChars = 200;

    public static readonly TimeSpan LogEvery = TimeSpan.FromMinutes(1);

    private readonly PacedReport<string> _stray = new(LogEvery, time, (skipped, line) => Log.UpstreamStdoutNotJsonRpc(logger, connector, skipped, line));
    private readonly PacedReport<string> _unreadable = new(LogEvery, time, (skipped, reason) => Log.UpstreamStdoutUnreadable(logger, connector, skipped, reason));

    /// <summary>Cut and escaped when it comes: a held line is kept until its report, and may be megabytes long.</summary>
    public void Line(string line) => _stray.Add(LogText.Safe(line, MaxLineChars));

    /// <summary>A line the SDK's reader refused, with its reason (which may quote the upstream's member names).</summary>
    public void Unreadable(string reason) => _unreadable.Add(LogText.Safe(reason, MaxLineChars));

    /// <summary>Logs the lines held back, due or not: once the upstream has stopped for good.</summary>
    public void Flush()
    {
        _stray.Flush();
        _unreadable.Flush();
    }

    public void Dispose()
    {
        _stray.Dispose();
        _unreadable.Dispose();
    }
}
