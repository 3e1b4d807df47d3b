using System.Diagnostics;
using ModelContextProtocol;
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
    private async ValueTask<T> AuditedAsync<TParams, T>(
        Connector connector,
        RequestContext<TParams> request,
        string method,
        string? resource,
        string? prompt,
        bool allowed,
        Func<ValueTask<T>> forward,
        Func<Exception> refusal)
        where TParams : RequestParams
    {
        var started = time.GetTimestamp();
        var caller = CallerIdentities.From(request.User);
        var target = DecisionRecorder.Truncate(resource ?? prompt) ?? "";
        using var span = GatewayTelemetry.Traces.StartActivity(ActivityKind.Server, TraceParents.FromCaller(request.Params?.Meta), name: method + " " + target);
        span?.SetTag("mcp.method.name", method);
        span?.SetTag(resource is null ? "gen_ai.prompt.name" : "mcp.resource.uri", target);
        span?.SetTag("portcullis.connector", connector.Name);

        var e = recorder.Event(resource is null ? AuditKinds.PromptGet : AuditKinds.ResourceRead, AuditDecisions.Allowed) with
        {
            Connector = connector.Name,
            Principal = caller.Subject,
            ClientId = caller.ClientId,
            Resource = resource is null ? null : target,
            Prompt = prompt is null ? null : target,
            UpstreamReached = false,
        };
        span?.SetTag("portcullis.correlation_id", e.CorrelationId);

        if (recorder.Trail.Required && !recorder.Trail.Accepting)
        {
            Record(e with { Decision = AuditDecisions.Refused, Stage = CallStage.Audit, Code = ErrorCatalog.AuditUnavailable.Code }, method, started, span);
            throw new McpException("The gateway cannot record requests right now and is configured to refuse unaudited ones; retry shortly.");
        }

        if (!allowed)
        {
            Record(e with { Decision = AuditDecisions.Refused, Stage = CallStage.Authorize, Code = ErrorCatalog.NotFound.Code }, method, started, span);
            throw refusal();
        }

        var reachable = connector.Upstream.Client is not null;
        try
        {
            var result = await forward().ConfigureAwait(false);
            Record(e with { UpstreamReached = true }, method, started, span);
            return result;
        }
        catch (McpProtocolException ex)
        {
            Record(e with { Decision = AuditDecisions.Failed, Stage = CallStage.Forward, Code = ErrorCatalog.UpstreamError.Code, UpstreamReached = true, Detail = $"JSON-RPC error {(int)ex.ErrorCode}" },
                method, started, span);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Record(e with { Decision = AuditDecisions.Failed, Stage = CallStage.Forward, Code = ErrorCatalog.UpstreamUnavailable.Code, UpstreamReached = reachable },
                method, started, span);
            throw;
        }
    }

    private void Record(AuditEvent e, string method, long started, Activity? span) =>
        recorder.Request(e with { DurationMs = time.GetElapsedTime(started).TotalMilliseconds }, method, span);
}
