using ModelContextProtocol.Protocol;
using Portcullis.Core.Errors;

namespace Portcullis.Core.Pipeline.Stages;

/// <summary>
/// Lets a call through only if the tool is allow-listed, exposed, and every scope it requires is held by
/// the caller. Anything else answers exactly like a tool that does not exist, except while the catalog is
/// unknown: a name policy would allow then answers <c>upstream_unavailable</c>, since it may exist a moment later.
/// </summary>
internal sealed class AuthorizeStage(TimeProvider time) : IToolCallStage
{
    public ValueTask<CallToolResult> InvokeAsync(ToolCallContext context, ToolCallHandler next, CancellationToken cancellationToken)
    {
        var connector = context.Connector;
        if (!connector.Catalog.Current.TryGet(context.ToolName, out var tool)
            || (!connector.Config.Auth.IsAnonymous && !context.Caller.HasAll(tool.RequiredScopes)))
        {
            return ValueTask.FromResult(context.Fail(CallStage.Authorize, connector.Catalog.MayAppear(context.ToolName, context.Caller)
                ? GatewayError.CatalogUnknown(RetryAfter(connector.Status.NextAttemptAt))
                : GatewayError.ToolNotFound(context.ToolName)));
        }

        context.Tool = tool;
        context.MarkPassed(PassedStages.Authorized);
        return next(context, cancellationToken);
    }

    private int RetryAfter(DateTimeOffset? nextAttemptAt) =>
        nextAttemptAt is { } next ? Math.Max(1, (int)Math.Ceiling((next - time.GetUtcNow()).TotalSeconds)) : 1;
}
