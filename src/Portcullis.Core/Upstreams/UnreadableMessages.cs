using Microsoft.Extensions.Logging;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Upstreams;

/// <summary>
/// Reports the messages an upstream sent that the MCP SDK could not read as JSON-RPC (JSON of another shape, or nested
/// deeper than the 64 levels its reader takes), which its transports skip with an event the gateway's filter on the
/// SDK's client side hides: at most one log line a minute per connector (event 1026), with the reader's latest reason
/// cut and escaped, and how many were skipped since the last report. Over stdio a call answered by such a message gets
/// no other answer and ends at its timeout, so this line is the only word of why.
/// </summary>
internal sealed class UnreadableMessages(string connector, TimeProvider time, ILogger logger)
{
    internal const int MaxReasonChars = 200;

    public static readonly TimeSpan LogEvery = TimeSpan.FromMinutes(1);

    private readonly PacedReport<string> _reports = new(LogEvery, time, (skipped, reason) => Log.UpstreamMessageUnreadable(logger, connector, skipped, reason));

    /// <summary>The SDK reader's reason, which may quote the upstream's member names: cut and escaped when it comes.</summary>
    public void Skipped(string reason) => _reports.Add(LogText.Safe(reason, MaxReasonChars));

    /// <summary>Logs the messages held back, due or not: once the upstream has stopped for good.</summary>
    public void Flush() => _reports.Flush();
}
