using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Schemas;

namespace Portcullis.Core.Pipeline.Stages;

/// <summary>
/// Checks the upstream's <c>structuredContent</c> against the upstream's own <c>outputSchema</c> (not the advertised
/// one, which also admits the gateway's error envelope): a mismatch becomes
/// <c>upstream_error</c> (the violations go to the log), or only a log warning with <c>output_schema: warn</c>.
/// Tool errors (<c>isError: true</c>) and the gateway's own errors are not checked. A result of more values than
/// <c>limits.max_values</c> is not judged at all: the schema library spends microseconds on every value, so an upstream
/// answering a million small items would hold a core for tens of seconds per call. It is refused as a mismatch is (or
/// passed on unchecked with <c>warn</c>), and logged either way. The check has a budget of its own
/// (<see cref="CheckBudget"/>): what the caller's arguments cost the input check never cuts the upstream's result short.
/// </summary>
internal sealed class OutputSchemaStage(GatewayConfig config, ILogger<OutputSchemaStage> logger) : IToolCallStage
{
    public async ValueTask<CallToolResult> InvokeAsync(ToolCallContext context, ToolCallHandler next, CancellationToken cancellationToken)
    {
        var result = await next(context, cancellationToken).ConfigureAwait(false);
        if (result.IsError == true || context.Failure is not null || context.Tool?.OutputValidator is not { } schema)
        {
            return result;
        }

        var warn = string.Equals(context.Tool.Policy?.OutputSchema, "warn", StringComparison.Ordinal);
        var maxValues = config.Limits.MaxValues;
        if (result.StructuredContent is { } large && JsonLimits.CheckValues(large, maxValues) is { } tooLarge)
        {
            Log.OutputTooLargeToCheck(logger, context.CorrelationId, context.Connector.Name, context.ToolName, maxValues,
                LogText.Safe(tooLarge.Path.Length == 0 ? "/" : tooLarge.Path, LogText.MaxSummaryLength), warn ? "passed on unchecked (output_schema: warn)" : "answered upstream_error");
            return warn ? result : context.Fail(CallStage.OutputSchema, new GatewayError(ErrorCatalog.UpstreamError,
                $"The upstream's result holds more than the {maxValues} values the gateway checks against the tool's declared output schema (limits.max_values); the log has the details under the correlation id."));
        }

        var violations = result.StructuredContent is { } structured
            ? schema.Validate(structured, CheckBudget.For(config.Limits))
            : [new ErrorDetail("", "structuredContent", "is missing although the tool declares an outputSchema")];
        if (violations.Count == 0)
        {
            return result;
        }

        // Paths and messages name the upstream's own members: escaped and bounded like any text the gateway did not write.
        var summary = LogText.Safe(string.Join("; ", violations.Select(v => $"{(v.Path.Length == 0 ? "/" : v.Path)} {v.Keyword}: {v.Message}")), LogText.MaxSummaryLength);
        if (warn)
        {
            Log.OutputSchemaMismatchWarned(logger, context.CorrelationId, context.Connector.Name, context.ToolName, summary);
            return result;
        }

        Log.OutputSchemaMismatch(logger, context.CorrelationId, context.Connector.Name, context.ToolName, summary);
        return context.Fail(CallStage.OutputSchema, new GatewayError(ErrorCatalog.UpstreamError,
            "The upstream's result does not match the tool's declared output schema; the log has the details under the correlation id."));
    }
}
