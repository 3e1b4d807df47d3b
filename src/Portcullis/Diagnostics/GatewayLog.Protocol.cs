namespace Portcullis.Diagnostics;

/// <summary>Log events of DNS-rebinding protection and protocol pass-through: 2400–2499.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(2401, LogLevel.Warning, "Refused a request to {Path}: its Host or Origin header is not allowed (DNS-rebinding protection)")]
    public static partial void HostRefused(ILogger logger, PathString path);
}
