namespace Portcullis.Diagnostics;

/// <summary>Every log event of the executable; event ids 2000–2999 are kept here and nowhere else.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(2001, LogLevel.Critical, "Configuration refused: connectors[{Connector}].tools_allow lists '{Tool}', which the upstream marks destructive (or leaves unannotated, which the MCP spec treats as destructive). Set tools.{Tool}.allow_destructive: true to expose it deliberately, or remove it from tools_allow.")]
    public static partial void DestructiveNotOptedIn(ILogger logger, string connector, string tool);
}
