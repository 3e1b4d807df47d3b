using System.Diagnostics;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portcullis.Core.Audit;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Security;

namespace Portcullis.Core.Relay;

/// <summary>Resource reads and prompt gets are decisions too: each one is a span, a log line, a metric and an audit event.</summary>
internal sealed partial class Passthrough
{
    /// <summary>
    /// Starts the record of a resource read or prompt get, or refuses it at once (recorded) when calls must be audited
    /// and the trail cannot take them.
    /// </summary>
    private AuditedRequest BeginAudit<TParams>(Connector connector, CallerIdentity caller, RequestContext<TParams> request, string method, string? resource, string? prompt)
        where TParams : RequestParams
    {
        var target = DecisionRecorder.Truncate(resource ?? prompt) ?? "";

        // The span's name is what trace backends group by: a prompt the allow-list names, never a URI or a name a client
        // made up (those stay in the attributes and the audit trail).
        var name = prompt is null ? method
            : method + " " + (connector.Config.PromptsAllow.Contains(prompt, StringComparer.Ordinal) ? prompt : DecisionRecorder.UnknownTool);
        var span = GatewayTelemetry.Traces.StartActivity(ActivityKind.Server, TraceParents.FromCaller(request.Params?.Meta), name: name);
        span?.SetTag("mcp.method.name", method);
        span?.SetTag(resource is null ? "gen_ai.prompt.name" : "mcp.resource.uri", target);
        span?.SetTag("portcullis.connector", connector.Name);

        var pending = recorder.Event(resource is null ? AuditKinds.PromptGet : AuditKinds.ResourceRead, AuditDecisions.Allowed) with
        {
            Connector = connector.Name,
            Principal = caller.Subject,
            ClientId = caller.ClientId,
            Resource = resource is null ? null : target,
            Prompt = prompt is null ? null : target,
            UpstreamReached = false,
        };
        span?.SetTag("portcullis.correlation_id", pending.CorrelationId);
        var audited = new AuditedRequest(recorder, time, method, pending, span);
        if (recorder.Trail.Required && !audited.Reserve())
        {
            using (audited)
            {
                throw Refuse(connector, method, new GatewayError(ErrorCatalog.AuditUnavailable,
                    "The gateway cannot record requests right now and is configured to refuse unaudited ones; retry shortly.") { RetryAfterSeconds = 5 },
                    audited.CorrelationId, CallStage.Audit, audited, upstreamReached: false);
            }
        }

        return audited;
    }
}
