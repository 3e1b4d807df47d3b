using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Relay;

/// <summary>
/// Reports the progress and log messages an upstream sent whose parameters do not fit their method (dropped, nothing
/// relayed): at most one log line a minute per connector and method (event 1408), with how many since the last report.
/// Before, each was a warning of its own: a flood of 200,000 wrote 200,000 lines (30 MB) to the log.
/// </summary>
internal sealed class MalformedNotifications(string connector, TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan LogEvery = TimeSpan.FromMinutes(1);

    private readonly PacedReport<string> _progress = new(LogEvery, time, (dropped, method) => Log.RelayMalformed(logger, connector, method, dropped));
    private readonly PacedReport<string> _messages = new(LogEvery, time, (dropped, method) => Log.RelayMalformed(logger, connector, method, dropped));

    /// <summary>Counts one dropped notification of <paramref name="method"/> (progress or a log message).</summary>
    public void Dropped(string method) =>
        (string.Equals(method, NotificationMethods.ProgressNotification, StringComparison.Ordinal) ? _progress : _messages).Add(method);
}
