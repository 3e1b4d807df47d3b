using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Audit;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Lifecycle;
using Portcullis.Core.Pipeline.Stages;
using Portcullis.Core.State;

namespace Portcullis.Core.Pipeline;

/// <summary>
/// The <c>tools/call</c> path, in its one fixed order:
/// authorize → rate limit → validate → idempotency → output schema → forward.
/// </summary>
/// <remarks>
/// The call is one span (child of the caller's trace context) with a child span per stage; whatever the outcome,
/// its decision is recorded once, at the end, by the <see cref="DecisionRecorder"/>.
/// </remarks>
internal sealed class ToolCallPipeline
{
    private readonly ToolCallHandler _entry;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly DecisionRecorder _recorder;
    private readonly GatewayDrain _drain;
    private readonly StateOutages _outages;

    public ToolCallPipeline(
        AuthorizeStage authorize,
        RateLimitStage rateLimit,
        ValidateStage validate,
        IdempotencyStage idempotency,
        OutputSchemaStage outputSchema,
        ForwardStage forward,
        TimeProvider time,
        DecisionRecorder recorder,
        GatewayDrain drain,
        StateOutages outages,
        ILogger<ToolCallPipeline> logger)
    {
        _recorder = recorder;
        _outages = outages;
        _drain = drain;
        _logger = logger;
        _time = time;
        (string Name, IToolCallStage Stage)[] stages =
        [
            (CallStage.Authorize, authorize), (CallStage.RateLimit, rateLimit), (CallStage.Validate, validate),
            (CallStage.Idempotency, idempotency), (CallStage.OutputSchema, outputSchema),
        ];
        ToolCallHandler next = Traced(CallStage.Forward, forward.InvokeAsync);
        for (var i = stages.Length - 1; i >= 0; i--)
        {
            var stage = stages[i].Stage;
            var rest = next;
            next = Traced(stages[i].Name, (context, ct) => stage.InvokeAsync(context, rest, ct));
        }

        _entry = next;
    }

    /// <summary>Runs the call through every stage; never throws for a failed call.</summary>
    public async ValueTask<CallToolResult> InvokeAsync(ToolCallContext context, CancellationToken cancellationToken)
    {
        using var inFlight = _drain.Track();
        var started = _time.GetTimestamp();
        if (context.TraceParent == default && Activity.Current is { Recorded: false })
        {
            // No caller context: start a trace of our own rather than hang off the host's unexported activity.
            Activity.Current = null;
        }

        // Named by the tool's label once the call is decided (DecisionRecorder): the name asked for is client input.
        using var activity = GatewayTelemetry.Traces.StartActivity(ActivityKind.Server, context.TraceParent, name: "tools/call");
        if (activity is not null)
        {
            activity.SetTag("mcp.method.name", "tools/call");
            activity.SetTag("gen_ai.operation.name", "execute_tool");
            activity.SetTag("gen_ai.tool.name", DecisionRecorder.Truncate(context.ToolName));
            activity.SetTag("portcullis.connector", context.Connector.Name);
            activity.SetTag("portcullis.correlation_id", context.CorrelationId);
            if (context.Downstream?.SessionId is { } session)
            {
                activity.SetTag("mcp.session.id", session);
            }
        }

        CallToolResult result;
        try
        {
            // A call is served only with room kept for its event: refusals recorded while it runs cannot push it out.
            context.AuditReserved = _recorder.Trail.Required && _recorder.Trail.TryReserve();
            result = _recorder.Trail.Required && !context.AuditReserved
                ? context.Fail(CallStage.Audit, new GatewayError(ErrorCatalog.AuditUnavailable,
                    "The gateway cannot record calls right now and is configured to refuse unaudited calls; retry shortly.") { RetryAfterSeconds = 5 })
                : await _entry(context, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            context.Cancelled = true;
            _recorder.ToolCall(context, _time.GetElapsedTime(started).TotalMilliseconds, activity);
            throw;
        }
        catch (OperationCanceledException) when (context.CallerGone.IsCancellationRequested && context.Tool is { ReadOnly: true })
        {
            // The MCP layer did not cancel this request, so it would take the exception for the handler's failure; the
            // answer goes to a closed connection anyway.
            context.Cancelled = true;
            _recorder.ToolCall(context, _time.GetElapsedTime(started).TotalMilliseconds, activity);
            return ErrorEnvelope.ToResult(new GatewayError(ErrorCatalog.UpstreamUnavailable, "The call was cancelled because the connection that carried it closed.")
            {
                RetryAfterSeconds = 1,
            }, context.CorrelationId);
        }
        catch (Exception ex) when (_outages.IsOutage(ex))
        {
            result = context.Fail(CallStage.Pipeline, _outages.Refuse(ex, context.CorrelationId));
        }
        catch (Exception ex)
        {
            Log.CallCrashed(_logger, context.CorrelationId, context.Connector.Name, context.LogToolName, ex);
            result = context.Fail(CallStage.Pipeline, GatewayError.Internal());
        }

        // A write that failed after it was sent may have acted: its key is now outcome-unknown (the idempotency stage
        // recorded that), and its answer is the one every retry with the key gets, never one that invites a retry that
        // cannot succeed or a new key that acts twice. The stage that failed stays the one recorded; the cause's code is
        // in the details.
        if (context.Failure is { } failure && failure.Code != ErrorCatalog.IdempotencyOutcomeUnknown
            && (context.KeyMarkedUnknown || (failure.Code.Retryable && context.SentUpstream && context.Tool is { ReadOnly: false })))
        {
            Log.WriteOutcomeUnknown(_logger, context.CorrelationId, failure.Code.Code);
            result = context.Fail(context.FailedStage ?? CallStage.Forward, GatewayError.OutcomeUnknownAfterSend(failure));
        }

        context.ToolError = context.Failure is null && !context.Replayed && result.IsError == true;
        _recorder.ToolCall(context, _time.GetElapsedTime(started).TotalMilliseconds, activity);
        return result;
    }

    /// <summary>Wraps a stage in a child span named after it; free when no one listens.</summary>
    /// <remarks>
    /// Without a listener the stage is called directly: an async wrapper per stage would cost every call six more
    /// state machines and continuations for spans nobody records.
    /// </remarks>
    private static ToolCallHandler Traced(string name, ToolCallHandler stage)
    {
        var spanName = "portcullis." + name;
        return (context, cancellationToken) => GatewayTelemetry.Traces.HasListeners()
            ? TracedAsync(spanName, name, stage, context, cancellationToken)
            : stage(context, cancellationToken);
    }

    private static async ValueTask<CallToolResult> TracedAsync(string spanName, string name, ToolCallHandler stage, ToolCallContext context, CancellationToken cancellationToken)
    {
        using var span = GatewayTelemetry.Traces.StartActivity(spanName, ActivityKind.Internal);
        var result = await stage(context, cancellationToken).ConfigureAwait(false);
        if (span is not null && context.FailedStage == name)
        {
            span.SetTag("error.type", context.Failure!.Code.Code);
            span.SetStatus(ActivityStatusCode.Error, context.Failure.Code.Code);
        }

        return result;
    }
}
