using Microsoft.Extensions.Logging;

namespace Portcullis.Core.Diagnostics;

/// <summary>Schema validation events: ids 1200–1299.</summary>
internal static partial class Log
{
    [LoggerMessage(1201, LogLevel.Error, "Connector {Connector}: {Refusal} The connector's other tools keep working.")]
    public static partial void SchemaUncompilable(ILogger logger, string connector, string refusal);

    [LoggerMessage(1202, LogLevel.Error, "Connector {Connector}: tool {Tool} is unavailable: {Refusal}")]
    public static partial void OverlayLoosens(ILogger logger, string connector, string tool, string refusal);

    [LoggerMessage(1203, LogLevel.Warning, "Call {CorrelationId}: {Connector}/{Tool} structuredContent does not match the tool's outputSchema: {Violations}")]
    public static partial void OutputSchemaMismatch(ILogger logger, string correlationId, string connector, string tool, string violations);

    [LoggerMessage(1204, LogLevel.Warning, "Call {CorrelationId}: {Connector}/{Tool} structuredContent does not match the tool's outputSchema (output_schema: warn, passed on): {Violations}")]
    public static partial void OutputSchemaMismatchWarned(ILogger logger, string correlationId, string connector, string tool, string violations);

    [LoggerMessage(1205, LogLevel.Information, "Call {CorrelationId}: {Connector}/{Tool} arguments refused: {Violations}")]
    public static partial void ArgumentsRefused(ILogger logger, string correlationId, string connector, string tool, string violations);

    [LoggerMessage(1206, LogLevel.Warning, "Call {CorrelationId}: {Connector}/{Tool} structuredContent holds more than {MaxValues} values (limits.max_values; the first past it at {Path}) and was not checked against the tool's outputSchema: {Outcome}")]
    public static partial void OutputTooLargeToCheck(ILogger logger, string correlationId, string connector, string tool, int maxValues, string path, string outcome);
}
