using System.Threading.RateLimiting;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Errors;
using Portcullis.Core.RateLimiting;

namespace Portcullis.Core.Pipeline.Stages;

/// <summary>Refuses a call when the caller's budget for the connector or the tool is spent.</summary>
internal sealed class RateLimitStage(CallRateLimiters limiters) : IToolCallStage
{
    public ValueTask<CallToolResult> InvokeAsync(ToolCallContext context, ToolCallHandler next, CancellationToken cancellationToken)
    {
        foreach (var (limiter, window) in limiters.For(context.Connector.Config, context.ToolName))
        {
            using var lease = limiter.AttemptAcquire(context.Caller.Key);
            if (!lease.IsAcquired)
            {
                var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : window;
                return ValueTask.FromResult(context.Fail(CallStage.RateLimit, new GatewayError(ErrorCatalog.RateLimited, "Too many calls; wait before calling again.")
                {
                    RetryAfterSeconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)),
                }));
            }
        }

        return next(context, cancellationToken);
    }
}
