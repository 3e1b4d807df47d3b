namespace Portcullis.Diagnostics;

/// <summary>Start-up, listening and shutdown events of the executable: ids 2700–2799.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(2701, LogLevel.Information, "Portcullis is listening on {Url}; connector endpoints are {Url}/mcp/{{server}}")]
    public static partial void Listening(ILogger logger, string url);

    [LoggerMessage(2702, LogLevel.Critical, "Start-up refused: {Count} configuration error(s) found once the upstreams listed their tools; the gateway did not listen")]
    public static partial void StartupRefused(ILogger logger, int count);

    [LoggerMessage(2703, LogLevel.Warning, "Start-up: the first connection attempt of {Connectors} did not finish within its bound; listening anyway (their calls answer upstream_unavailable until the catalog is known)")]
    public static partial void FirstAttemptsPending(ILogger logger, string connectors);

    [LoggerMessage(2704, LogLevel.Information, "Shutting down: no new requests; {InFlight} call(s) in flight may finish within {DrainSeconds} s (shutdown.drain_seconds)")]
    public static partial void Draining(ILogger logger, int inFlight, int drainSeconds);

    [LoggerMessage(2705, LogLevel.Warning, "Shutdown drain time is over: cancelling {InFlight} call(s) still in flight")]
    public static partial void DrainDeadline(ILogger logger, int inFlight);

    [LoggerMessage(2706, LogLevel.Information, "Stopped: every call in flight has finished")]
    public static partial void Drained(ILogger logger);

    [LoggerMessage(2707, LogLevel.Warning, "SIGHUP (the terminal closed, or a reload was asked for): the configuration is not reloaded; stopping as on SIGTERM. Start the gateway again to apply a changed configuration (the pins lock file is picked up without a restart)")]
    public static partial void Hangup(ILogger logger);

    [LoggerMessage(2708, LogLevel.Information, "Stopped by a signal during start-up, before listening: the upstreams started so far are stopped")]
    public static partial void StoppedStarting(ILogger logger);
}
