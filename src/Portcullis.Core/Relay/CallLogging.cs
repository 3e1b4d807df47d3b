using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Portcullis.Core.Relay;

/// <summary>
/// Which of the upstream's log messages during one call its client asked for. A 2026-07-28 request asks in its own
/// <c>_meta</c> (<c>io.modelcontextprotocol/logLevel</c>), and a request that does not ask gets none; a 2025-11-25 client
/// asks once for its session with <c>logging/setLevel</c>, which <see cref="SessionLogLevels"/> keeps for every replica.
/// </summary>
/// <param name="PerRequest">The call is a 2026-07-28 request: <paramref name="Level"/> is all it asked for.</param>
/// <param name="Level">The request's own level (<paramref name="PerRequest"/>); otherwise unused.</param>
internal readonly record struct CallLogging(bool PerRequest, LoggingLevel? Level)
{
    /// <summary>What <paramref name="request"/>, received by <paramref name="downstream"/>, asked for.</summary>
    public static CallLogging Of(McpServer downstream, JsonRpcRequest? request)
    {
        var version = request?.Context?.ProtocolVersion ?? downstream.NegotiatedProtocolVersion;
        return string.CompareOrdinal(version, "2026-07-28") >= 0 ? new CallLogging(true, request?.Context?.LogLevel) : default;
    }
}
