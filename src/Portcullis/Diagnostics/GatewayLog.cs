namespace Portcullis.Diagnostics;

/// <summary>
/// Every log event of the executable; event ids 2000–2999 are kept in the partials of this class and nowhere else:
/// 2100–2199 tokens and identity here, 2500–2599 admin plane, 2600–2699 HTTP refusals, 2700–2799 start-up and shutdown, 2800–2899 shared state, sessions and replicas.
/// </summary>
internal static partial class GatewayLog
{
    [LoggerMessage(2101, LogLevel.Warning, "Connector {Connector}: token refused ({Reason}); answered 401 (correlation id {CorrelationId})")]
    public static partial void TokenRefused(ILogger logger, string connector, string reason, string correlationId);

    [LoggerMessage(2103, LogLevel.Warning, "Development identity: issuer {Issuer}, signing key {KeyId} ({Origin} {Path}); for loopback use only")]
    public static partial void DevIdentity(ILogger logger, string issuer, string keyId, string origin, string path);

    [LoggerMessage(2104, LogLevel.Information, "Connector {Connector}: no bearer token ({Reason}); answered 401 with the resource metadata challenge (correlation id {CorrelationId})")]
    public static partial void TokenMissing(ILogger logger, string connector, string reason, string correlationId);

    [LoggerMessage(2105, LogLevel.Warning, "Connector {Connector}: token not checked ({Reason}); answered 503 identity_unavailable (correlation id {CorrelationId})")]
    public static partial void TokenUnchecked(ILogger logger, string connector, string reason, string correlationId);
}
