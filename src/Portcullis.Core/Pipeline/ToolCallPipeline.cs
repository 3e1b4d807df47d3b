using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Lifecycle;
using Portcullis.Core.Pipeline.Stages;

namespace Portcullis.Core.Pipeline;

/// <summary>
/// The <c>tools/call</c> path, in its one fixed order:
/// authorize → rate limit → validate → idempotency → output schema → forward.
/// </summary>
internal sealed class ToolCallPipeline
{
    private readonly ToolCallHandler _entry;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly GatewayTelemetry _telemetry;
    private readonly GatewayDrain _drain;

    public ToolCallPipeline(
        AuthorizeStage authorize,
        RateLimitStage rateLimit,
        ValidateStage validate,
        IdempotencyStage idempotency,
        OutputSchemaStage outputSchema,
        ForwardStage forward,
        TimeProvider time,
        GatewayTelemetry telemetry,
        GatewayDrain drain,
        ILogger<ToolCallPipeline> logger)
    {
        _drain = drain;
        _telemetry = telemetry;
        _logger = logger;
        _time = time;
        IToolCallStage[] stages = [authorize, rateLimit, validate, idempotency, outputSchema];
        ToolCallHandler next = forward.InvokeAsync;
        for (var i = stages.Length - 1; i >= 0; i--)
        {
            var stage = stages[i];
            var rest = next;
            next = (context, ct) => stage.InvokeAsync(context, rest, ct);
        }

        _entry = next;
    }

    /// <summary>Runs the call through every stage; never throws for a failed call.</summary>
    public async ValueTask<CallToolResult> InvokeAsync(ToolCallContext context, CancellationToken cancellationToken)
    {
        using var inFlight = _drain.Track();
        var started = _time.GetTimestamp();
        using var activity = GatewayTelemetry.Traces.StartActivity("tools/call", ActivityKind.Internal);
        activity?.SetTag("portcullis.tool", context.ToolName);
        activity?.SetTag("portcullis.connector", context.Connector.Name);
        activity?.SetTag("portcullis.correlation_id", context.CorrelationId);
        CallToolResult result;
        try
        {
            result = await _entry(context, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            Log.CallCrashed(_logger, context.CorrelationId, context.Connector.Name, context.LogToolName, ex);
            result = context.Fail(GatewayError.Internal());
        }

        // A write that failed after it was sent may have acted: its key is now outcome-unknown (the idempotency stage
        // recorded that), and no answer may invite a retry that cannot succeed or a new key that acts twice.
        if (context.Failure is { Code.Retryable: true } retryable && context.SentUpstream && context.Tool is { ReadOnly: false })
        {
            Log.WriteOutcomeUnknown(_logger, context.CorrelationId, retryable.Code.Code);
            result = context.Fail(GatewayError.OutcomeUnknownAfterSend(retryable));
        }

        var elapsed = _time.GetElapsedTime(started).TotalMilliseconds;
        if (context.Failure is { } failure)
        {
            Log.CallFailed(_logger, context.CorrelationId, context.Connector.Name, context.LogToolName, context.Caller.Subject, failure.Code.Code, LogText.Safe(failure.Message, 1024));
        }

        Log.CallCompleted(_logger, context.CorrelationId, context.Connector.Name, context.LogToolName, context.Caller.Subject, context.Outcome, elapsed);
        // Tool names from clients are unbounded: only known tools become a metric dimension.
        var tags = new TagList { { "connector", context.Connector.Name }, { "tool", context.Tool?.Name ?? "(unknown)" }, { "outcome", context.Outcome } };
        _telemetry.Calls.Add(1, tags);
        _telemetry.Duration.Record(elapsed, tags);
        activity?.SetTag("portcullis.outcome", context.Outcome);
        return result;
    }
}
