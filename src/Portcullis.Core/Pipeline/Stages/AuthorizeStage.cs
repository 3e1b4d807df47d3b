using ModelContextProtocol.Protocol;
using Portcullis.Core.Errors;

namespace Portcullis.Core.Pipeline.Stages;

/// <summary>
/// Lets a call through only if the tool is allow-listed, exposed, and every scope it requires is held by
/// the caller. Anything else answers exactly like a tool that does not exist.
/// </summary>
internal sealed class AuthorizeStage : IToolCallStage
{
    public ValueTask<CallToolResult> InvokeAsync(ToolCallContext context, ToolCallHandler next, CancellationToken cancellationToken)
    {
        var connector = context.Connector;
        if (!connector.Catalog.TryGet(context.ToolName, out var tool)
            || (!connector.Config.Auth.IsAnonymous && !context.Caller.HasAll(tool.RequiredScopes)))
        {
            return ValueTask.FromResult(context.Fail(CallStage.Authorize, GatewayError.ToolNotFound(context.ToolName)));
        }

        context.Tool = tool;
        context.MarkPassed(PassedStages.Authorized);
        return next(context, cancellationToken);
    }
}
