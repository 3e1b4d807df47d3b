namespace Portcullis.Diagnostics;

/// <summary>Schema and payload-limit events of the executable: ids 2200–2299.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(2201, LogLevel.Critical, "Configuration refused: connectors[{Connector}].tools.{Tool}.input_schema would loosen the upstream's schema at keyword '{Keyword}' ({Problem}). An overlay may only tighten: remove or correct it.")]
    public static partial void OverlayLoosens(ILogger logger, string connector, string tool, string keyword, string problem);

    [LoggerMessage(2202, LogLevel.Warning, "Request {Method} {Path} refused with 413: {Reason}")]
    public static partial void PayloadRefused(ILogger logger, string method, string path, string reason);
}
