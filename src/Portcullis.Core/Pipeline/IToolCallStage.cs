using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Pipeline;

/// <summary>One step of the <c>tools/call</c> path: passes the call on, or ends it with a result.</summary>
public interface IToolCallStage
{
    ValueTask<CallToolResult> InvokeAsync(ToolCallContext context, ToolCallHandler next, CancellationToken cancellationToken);
}
