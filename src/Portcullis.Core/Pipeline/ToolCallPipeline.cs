using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
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

    public ToolCallPipeline(
        AuthorizeStage authorize,
        RateLimitStage rateLimit,
        ValidateStage validate,
        IdempotencyStage idempotency,
        OutputSchemaStage outputSchema,
        ForwardStage forward,
        TimeProvider time,
        GatewayTelemetry telemetry,
        ILogger<ToolCallPipeline> logger)
    {
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
            Log.CallCrashed(_logger, context.CorrelationId, context.Connector.Name, context.ToolName, ex);
            result = context.Fail(GatewayError.Internal());
        }

        var elapsed = _time.GetElapsedTime(started).TotalMilliseconds;
        if (context.Failure is { } failure)
        {
            Log.CallFailed(_logger, context.CorrelationId, context.Connector.Name, context.ToolName, context.Caller.Subject, failure.Code.Code, failure.Message);
        }

        Log.CallCompleted(_logger, context.CorrelationId, context.Connector.Name, context.ToolName, context.Caller.Subject, context.Outcome, elapsed);
        // Tool names from clients are unbounded: only known tools become a metric dimension.
        var tags = new TagList { { "connector", context.Connector.Name }, { "tool", context.Tool?.Name ?? "(unknown)" }, { "outcome", context.Outcome } };
        _telemetry.Calls.Add(1, tags);
        _telemetry.Duration.Record(elapsed, tags);
        activity?.SetTag("portcullis.outcome", context.Outcome);
        return result;
    }
}
