using System.Threading.RateLimiting;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Errors;
using Portcullis.Core.RateLimiting;

namespace Portcullis.Core.Pipeline.Stages;

/// <summary>Refuses a call when the caller's budget for the connector or the tool is spent.</summary>
internal sealed class RateLimitStage(CallRateLimiters limiters) : IToolCallStage
{
    public async ValueTask<CallToolResult> InvokeAsync(ToolCallContext context, ToolCallHandler next, CancellationToken cancellationToken)
    {
        foreach (var (limiter, window) in limiters.For(context.Connector.Config, context.ToolName))
        {
            // No queue: a shared limiter answers after one round trip to its store, an in-process one at once.
            using var lease = await limiter.AcquireAsync(context.Caller.Key, 1, cancellationToken).ConfigureAwait(false);
            if (!lease.IsAcquired)
            {
                var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : window;
                return context.Fail(new GatewayError(ErrorCatalog.RateLimited, "Too many calls; wait before calling again.")
                {
                    RetryAfterSeconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)),
                });
            }
        }

        return await next(context, cancellationToken).ConfigureAwait(false);
    }
}
