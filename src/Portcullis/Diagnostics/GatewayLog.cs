namespace Portcullis.Diagnostics;

/// <summary>Every log event of the executable; event ids 2000–2999 are kept here and nowhere else.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(2101, LogLevel.Warning, "Connector {Connector}: token refused ({Reason}); answered 401 (correlation id {CorrelationId})")]
    public static partial void TokenRefused(ILogger logger, string connector, string reason, string correlationId);

    [LoggerMessage(2103, LogLevel.Warning, "Development identity: issuer {Issuer}, signing key {KeyId} ({Origin} {Path}); for loopback use only")]
    public static partial void DevIdentity(ILogger logger, string issuer, string keyId, string origin, string path);
}
