using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Pipeline;

/// <summary>The rest of the pipeline, as a stage sees it.</summary>
public delegate ValueTask<CallToolResult> ToolCallHandler(ToolCallContext context, CancellationToken cancellationToken);
