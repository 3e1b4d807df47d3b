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

    private readonly PacedReport<string> _stray = new(LogEvery, time, (skipped, line) => Log.UpstreamStdoutNotJsonRpc(logger, connector, skipped, line));

    /// <summary>Cut and escaped when it comes: a held line is kept until its report, and may be megabytes long.</summary>
    public void Line(string line) => _stray.Add(LogText.Safe(line, MaxLineChars));

    /// <summary>Logs the lines held back, due or not: once the upstream has stopped for good.</summary>
    public void Flush() => _stray.Flush();
}
