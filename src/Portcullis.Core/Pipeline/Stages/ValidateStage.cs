using System.Text.Json;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Schemas;

namespace Portcullis.Core.Pipeline.Stages;

/// <summary>
/// Refuses arguments past the size limits (<c>payload_too_large</c>) or outside the tool's effective input
/// schema (<c>invalid_arguments</c>, up to <see cref="ViolationMessages.MaxDetails"/> violations listed), with all
/// its schema checks within one budget. Nothing refused here reaches the upstream.
/// </summary>
internal sealed class ValidateStage(GatewayConfig config, ILogger<ValidateStage> logger) : IToolCallStage
{
    public ValueTask<CallToolResult> InvokeAsync(ToolCallContext context, ToolCallHandler next, CancellationToken cancellationToken)
    {
        var limits = config.Limits;
        if (JsonLimits.Check(context.Arguments, limits.MaxDepth, limits.MaxStringLength, limits.MaxValues) is { } tooLarge)
        {
            return ValueTask.FromResult(context.Fail(CallStage.Validate, new GatewayError(ErrorCatalog.PayloadTooLarge,
                "The arguments are larger than the gateway accepts; see details for the limit that was passed.")
            {
                Details = [tooLarge],
            }));
        }

        if (context.Tool?.InputValidator is not { } schema)
        {
            // The catalog offers only tools whose schema compiled; without one, refuse rather than guess.
            return ValueTask.FromResult(context.Fail(CallStage.Validate, GatewayError.Internal()));
        }

        var violations = Violations(context, schema, CheckBudget.For(limits));
        if (violations.Count > 0)
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                // A path names the caller's own members (an undeclared property): escaped and bounded like any client text.
                Log.ArgumentsRefused(logger, context.CorrelationId, context.Connector.Name, context.LogToolName,
                    LogText.Safe(string.Join("; ", violations.Select(v => $"{v.Path} {v.Keyword}")), LogText.MaxSummaryLength));
            }

            return ValueTask.FromResult(context.Fail(CallStage.Validate, new GatewayError(ErrorCatalog.InvalidArguments,
                $"The arguments do not match the input schema of '{context.ToolName}': {violations.Count} problem(s), see details.")
            {
                Details = violations,
            }));
        }

        context.MarkPassed(PassedStages.Validated);
        return next(context, cancellationToken);
    }

    /// <summary>
    /// A key the upstream does not declare is stripped before the call is sent: the other arguments are judged as they
    /// are sent, without it (an upstream schema closed in a subschema, such as an <c>allOf</c> entry with
    /// <c>additionalProperties: false</c>, or with <c>propertyNames</c> or <c>maxProperties</c>, would otherwise refuse
    /// the key on every call), and the key by its own schema.
    /// </summary>
    private static IReadOnlyList<ErrorDetail> Violations(ToolCallContext context, CompiledSchema schema, CheckBudget budget)
    {
        if (context.Tool!.KeyValidator is not { } keyValidator || !context.Arguments.TryGetValue(IdempotencyKeySchema.PropertyName, out var key))
        {
            var instance = JsonSerializer.SerializeToElement(context.Arguments, SchemaJsonContext.Default.IDictionaryStringJsonElement);
            return WithoutMissingKey(context, schema.Validate(instance, budget));
        }

        var sent = new Dictionary<string, JsonElement>(context.Arguments, StringComparer.Ordinal);
        sent.Remove(IdempotencyKeySchema.PropertyName);
        var others = schema.Validate(JsonSerializer.SerializeToElement(sent, SchemaJsonContext.Default.IDictionaryStringJsonElement), budget)
            .Where(v => !IsMissingKey(v));
        var keyAlone = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { [IdempotencyKeySchema.PropertyName] = key };
        var ofKey = keyValidator.Validate(JsonSerializer.SerializeToElement(keyAlone, SchemaJsonContext.Default.IDictionaryStringJsonElement), budget);
        IReadOnlyList<ErrorDetail> all = [.. others, .. ofKey];

        // Either check may have been cut off: the budget's detail once, first.
        return all.Contains(ViolationMessages.NotCheckedInTime)
            ? [ViolationMessages.NotCheckedInTime, .. all.Where(d => d != ViolationMessages.NotCheckedInTime)]
            : all;
    }

    private static bool IsMissingKey(ErrorDetail violation) => violation.Keyword == "required" && violation.Path == "/" + IdempotencyKeySchema.PropertyName;

    /// <summary>
    /// A write without its key is not an argument error: the idempotency stage answers it with the
    /// dedicated <c>idempotency_key_missing</c>, which tells the agent exactly what to add.
    /// </summary>
    private static IReadOnlyList<ErrorDetail> WithoutMissingKey(ToolCallContext context, IReadOnlyList<ErrorDetail> violations) =>
        context.Arguments.ContainsKey(IdempotencyKeySchema.PropertyName)
            ? violations
            : [.. violations.Where(v => !IsMissingKey(v))];
}
