using Microsoft.Extensions.Logging;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Upstreams;

/// <summary>
/// Reports the requests an upstream sent that the gateway did not take up (<see cref="Relay.UnansweredRequests"/>): at
/// most one log line a minute per connector (event 1031), with the latest request's method and why, and how many were
/// dropped since the last report. One instance serves every start of the upstream, so a restart does not renew the
/// budget early.
/// </summary>
internal sealed class DroppedUpstreamRequests(string connector, TimeProvider time, ILogger logger)
{
    internal const int MaxMethodChars = 100;

    public static readonly TimeSpan LogEvery = TimeSpan.FromMinutes(1);

    private readonly PacedReport<(string Method, string Why)> _reports = new(
        LogEvery, time, (dropped, latest) => Log.UpstreamRequestsDropped(logger, connector, dropped, latest.Method, latest.Why));

    /// <summary>The method is the upstream's text: cut and escaped when it comes.</summary>
    public void Dropped(string method, string why) => _reports.Add((LogText.Safe(method, MaxMethodChars), why));

    /// <summary>Logs the requests held back, due or not: once the upstream has stopped for good.</summary>
    public void Flush() => _reports.Flush();
}
