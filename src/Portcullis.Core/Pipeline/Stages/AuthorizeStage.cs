using ModelContextProtocol.Protocol;
using Portcullis.Core.Errors;

namespace Portcullis.Core.Pipeline.Stages;

/// <summary>
/// Lets a call through only if the tool is allow-listed, exposed, and every scope it requires is held by
/// the caller. Anything else answers exactly like a tool that does not exist, except while the catalog is
/// unknown: a name policy would allow then answers <c>upstream_unavailable</c>, since it may exist a moment later; and a
/// tool withheld for its pin answers <c>tool_changed</c> to a caller who could use it, so the person learns to ask an operator.
/// </summary>
internal sealed class AuthorizeStage(TimeProvider time) : IToolCallStage
{
    public ValueTask<CallToolResult> InvokeAsync(ToolCallContext context, ToolCallHandler next, CancellationToken cancellationToken)
    {
        var connector = context.Connector;
        if (!connector.Catalog.Current.TryGet(context.ToolName, out var tool)
            || (!connector.Config.Auth.IsAnonymous && !context.Caller.HasAll(tool.RequiredScopes)))
        {
            return ValueTask.FromResult(context.Fail(CallStage.Authorize,
                connector.Catalog.MayAppear(context.ToolName, context.Caller) ? GatewayError.CatalogUnknown(RetryAfter(connector.Status.NextAttemptAt))
                : connector.Catalog.AwaitsReview(context.ToolName, context.Caller) ? GatewayError.DefinitionChanged($"Tool '{context.ToolName}'")
                : GatewayError.ToolNotFound(context.ToolName)));
        }

        context.Tool = tool;
        context.MarkPassed(PassedStages.Authorized);
        return next(context, cancellationToken);
    }

    private int RetryAfter(DateTimeOffset? nextAttemptAt) =>
        nextAttemptAt is { } next ? GatewayError.WholeSeconds(next - time.GetUtcNow()) : 1;
}
