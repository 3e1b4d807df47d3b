using Portcullis.Core.Audit;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Security;
using Portcullis.Diagnostics;

namespace Portcullis.Admin;

/// <summary>
/// An admin action refused for the state of what it acts on (a review already decided, a key that holds another call):
/// logged (event 2502), counted and audited as an <c>http_refusal</c> with the actor as principal, the connector and tool
/// acted on, and what was refused in the detail, then answered; nothing changed.
/// </summary>
internal static class AdminRefusal
{
    public static IResult Refuse(HttpRequest request, DecisionRecorder recorder, RefusalCounter counter, ILogger logger,
        string connector, string tool, ErrorCode code, int status, string stage, string reason, string subject, string message)
    {
        var correlationId = CorrelationIds.Next();
        var caller = CallerIdentities.From(request.HttpContext.User);
        GatewayLog.AdminRefused(logger, correlationId, request.Path, reason, LogText.Safe(AdminAuthentication.Subject(request.HttpContext.User)));
        counter.Count(stage, code.Code);
        recorder.HttpRefusal(recorder.Event(AuditKinds.HttpRefusal, AuditDecisions.Refused, correlationId) with
        {
            Connector = connector,
            Principal = caller.Subject,
            ClientId = caller.ClientId,
            Tool = tool,
            Resource = DecisionRecorder.Truncate("admin:" + request.Path),
            Stage = stage,
            Code = code.Code,
            Detail = $"{reason.Replace('_', ' ')}: {subject}",
            RemoteAddress = request.HttpContext.Connection.RemoteIpAddress?.ToString(),
        });
        return AdminResults.Error(code, message, correlationId, status);
    }
}
