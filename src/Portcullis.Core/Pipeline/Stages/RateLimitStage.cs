using ModelContextProtocol.Protocol;
using Portcullis.Core.Errors;
using Portcullis.Core.RateLimiting;

namespace Portcullis.Core.Pipeline.Stages;

/// <summary>Refuses a call when the caller's budget for the connector or the tool is spent.</summary>
internal sealed class RateLimitStage(CallRateLimiters limiters) : IToolCallStage
{
    public async ValueTask<CallToolResult> InvokeAsync(ToolCallContext context, ToolCallHandler next, CancellationToken cancellationToken) =>
        await limiters.AcquireAsync(context.Connector.Config, context.ToolName, context.Caller.Key, cancellationToken).ConfigureAwait(false) is { } retryAfter
            ? context.Fail(CallStage.RateLimit, GatewayError.RateLimited(retryAfter))
            : await next(context, cancellationToken).ConfigureAwait(false);
}
