namespace Portcullis.Diagnostics;

/// <summary>Schema and payload-limit events of the executable: ids 2200–2299.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(2202, LogLevel.Warning, "Request {Method} {Path} refused with 413: {Reason}")]
    public static partial void PayloadRefused(ILogger logger, string method, string path, string reason);
}
