using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;

namespace Portcullis.Core.Pipeline.Stages;

/// <summary>
/// Checks the upstream's <c>structuredContent</c> against the upstream's own <c>outputSchema</c> (not the advertised
/// one, which also admits the gateway's error envelope): a mismatch becomes
/// <c>upstream_error</c> (the violations go to the log), or only a log warning with <c>output_schema: warn</c>.
/// Tool errors (<c>isError: true</c>) and the gateway's own errors are not checked.
/// </summary>
internal sealed class OutputSchemaStage(ILogger<OutputSchemaStage> logger) : IToolCallStage
{
    public async ValueTask<CallToolResult> InvokeAsync(ToolCallContext context, ToolCallHandler next, CancellationToken cancellationToken)
    {
        var result = await next(context, cancellationToken).ConfigureAwait(false);
        if (result.IsError == true || context.Failure is not null || context.Tool?.OutputValidator is not { } schema)
        {
            return result;
        }

        var violations = result.StructuredContent is { } structured
            ? schema.Validate(structured, context.PatternBudget)
            : [new ErrorDetail("", "structuredContent", "is missing although the tool declares an outputSchema")];
        if (violations.Count == 0)
        {
            return result;
        }

        // Paths and messages name the upstream's own members: escaped and bounded like any text the gateway did not write.
        var summary = LogText.Safe(string.Join("; ", violations.Select(v => $"{(v.Path.Length == 0 ? "/" : v.Path)} {v.Keyword}: {v.Message}")), LogText.MaxSummaryLength);
        if (string.Equals(context.Tool.Policy?.OutputSchema, "warn", StringComparison.Ordinal))
        {
            Log.OutputSchemaMismatchWarned(logger, context.CorrelationId, context.Connector.Name, context.ToolName, summary);
            return result;
        }

        Log.OutputSchemaMismatch(logger, context.CorrelationId, context.Connector.Name, context.ToolName, summary);
        return context.Fail(CallStage.OutputSchema, new GatewayError(ErrorCatalog.UpstreamError,
            "The upstream's result does not match the tool's declared output schema; the log has the details under the correlation id."));
    }
}
