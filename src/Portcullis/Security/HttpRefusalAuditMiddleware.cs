using Portcullis.Core.Audit;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Security;
using Portcullis.Diagnostics;

namespace Portcullis.Security;

/// <summary>
/// The outermost middleware: once a request is answered, a refusal at the HTTP level (a refused or missing token on
/// a connector, an unknown connector, the host filter, a step-up challenge, a body past the limits) becomes one
/// audit event, one metric and one log line with a correlation id, whichever component refused it.
/// </summary>
internal sealed class HttpRefusalAuditMiddleware(RequestDelegate next, DecisionRecorder recorder, ConnectorRegistry connectors, ILogger<HttpRefusalAuditMiddleware> logger)
{
    private static readonly PathString Mcp = new("/mcp");

    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        var status = context.Response.StatusCode;
        var refusal = context.Features.Get<HttpRefusal>();
        if (refusal is null && status == StatusCodes.Status401Unauthorized && context.Request.Path.StartsWithSegments(Mcp))
        {
            refusal = new HttpRefusal(CallStage.Authenticate, ErrorCatalog.Unauthenticated.Code,
                context.Request.Headers.Authorization.Count == 0 ? TokenRefusalReasons.Missing : "invalid");
        }

        if (refusal is null || status < 400 || (refusal.Stage == CallStage.Authenticate && status != StatusCodes.Status401Unauthorized))
        {
            return;
        }

        var caller = CallerIdentities.From(context.User);
        var server = context.GetRouteValue("server") as string;
        var e = recorder.Event(AuditKinds.HttpRefusal, AuditDecisions.Refused) with
        {
            Connector = server is not null && connectors.TryGet(server, out var connector) ? connector.Name : null,
            Principal = context.User.Identity?.IsAuthenticated == true ? caller.Subject : null,
            ClientId = context.User.Identity?.IsAuthenticated == true ? caller.ClientId : null,
            Tool = DecisionRecorder.Truncate(refusal.Tool),
            Resource = DecisionRecorder.Truncate(context.Request.Path.Value),
            Stage = refusal.Stage,
            Code = refusal.Code,
            Detail = refusal.Reason,
            RemoteAddress = context.Connection.RemoteIpAddress?.ToString(),
        };
        GatewayLog.HttpRefused(logger, e.CorrelationId, context.Request.Method, context.Request.Path, status, refusal.Code, refusal.Stage, refusal.Reason);
        recorder.HttpRefusal(e);
    }
}
