using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;

namespace Portcullis.Core.Pipeline.Stages;

/// <summary>
/// The end of the pipeline: sends the call to the upstream and copies its answer faithfully. Refuses any
/// call that did not pass every security stage (fail closed).
/// </summary>
internal sealed class ForwardStage(TimeProvider time, ILogger<ForwardStage> logger)
{
    public async ValueTask<CallToolResult> InvokeAsync(ToolCallContext context, CancellationToken cancellationToken)
    {
        var missing = PassedStages.AllSecurity & ~context.Passed;
        if (missing != PassedStages.None || context.Tool is null)
        {
            Log.FailClosed(logger, context.CorrelationId, context.Connector.Name, context.ToolName, missing.ToString());
            return context.Fail(GatewayError.Internal());
        }

        var upstream = context.Connector.Upstream;
        if (upstream.Client is not { } client)
        {
            return context.Fail(Unavailable(upstream.Status.NextAttemptAt));
        }

        // A fresh request: the caller's _meta does not cross the hop; progress travels under the gateway's own
        // token, which the relay maps back to the caller's.
        using var relay = context.Downstream is { } downstream ? context.Connector.Relay.Begin(downstream, context.ProgressToken) : null;
        var request = new CallToolRequestParams { Name = context.Tool.Name, Arguments = context.Arguments };
        if (relay is not null && context.ProgressToken is not null)
        {
            request.Meta = new System.Text.Json.Nodes.JsonObject { ["progressToken"] = relay.UpstreamProgressToken };
        }

        CallToolResult answer;
        try
        {
            context.SentUpstream = true;
            answer = await client.CallToolAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (McpProtocolException ex)
        {
            Log.UpstreamRejected(logger, context.CorrelationId, (int)ex.ErrorCode, ex);
            return context.Fail(new GatewayError(ErrorCatalog.UpstreamError, "The upstream server rejected the call."));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.UpstreamCallFailed(logger, context.CorrelationId, ex);
            return context.Fail(Unavailable(upstream.Status.NextAttemptAt));
        }

        // The upstream's own _meta stays on its side of the hop.
        return new CallToolResult
        {
            Content = answer.Content,
            StructuredContent = answer.StructuredContent,
            IsError = answer.IsError,
        };
    }

    private GatewayError Unavailable(DateTimeOffset? nextAttemptAt)
    {
        var seconds = nextAttemptAt is { } next ? (int)Math.Ceiling((next - time.GetUtcNow()).TotalSeconds) : 1;
        return new GatewayError(ErrorCatalog.UpstreamUnavailable, "The upstream server is not reachable right now; retry shortly.")
        {
            RetryAfterSeconds = Math.Max(1, seconds),
        };
    }
}
