using Microsoft.Extensions.Logging;

namespace Portcullis.Core.Diagnostics;

/// <summary>Shared-state events: ids 1600–1699.</summary>
internal static partial class Log
{
    [LoggerMessage(1801, LogLevel.Warning, "Recording which replica holds a pending multi round-trip call failed; a retry reaching another replica will be refused")]
    public static partial void PendingCallRouteFailed(ILogger logger, Exception exception);
}
