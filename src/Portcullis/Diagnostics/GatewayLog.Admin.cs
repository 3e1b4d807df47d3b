namespace Portcullis.Diagnostics;

/// <summary>Events of the admin plane and the audit trail's HTTP side: 2500–2599.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(2501, LogLevel.Information, "Admin plane listening on {Address} (metrics at /metrics, API at /admin/api)")]
    public static partial void AdminListening(ILogger logger, string address);

    [LoggerMessage(2502, LogLevel.Warning, "Request {CorrelationId}: admin {Path} refused ({Reason}) for {Principal}")]
    public static partial void AdminRefused(ILogger logger, string correlationId, PathString path, string reason, string principal);

    [LoggerMessage(2503, LogLevel.Information, "Admin {Principal}: settled key {Connector}/{Tool} of call {CorrelationId} as {Resolution}")]
    public static partial void KeyResolved(ILogger logger, string principal, string connector, string tool, string correlationId, string resolution);

    [LoggerMessage(2504, LogLevel.Error, "Request {CorrelationId}: admin {Method} {Path} failed; answered 500 internal")]
    public static partial void AdminFailed(ILogger logger, string correlationId, string method, PathString path, Exception exception);
}
