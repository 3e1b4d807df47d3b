using Microsoft.Extensions.Logging;

namespace Portcullis.Core.Diagnostics;

/// <summary>Schema validation events: ids 1200–1299.</summary>
internal static partial class Log
{
    [LoggerMessage(1201, LogLevel.Error, "Connector {Connector}: tool {Tool} is unavailable: its schema does not compile ({Reason}); the connector's other tools keep working")]
    public static partial void SchemaUncompilable(ILogger logger, string connector, string tool, string reason);

    [LoggerMessage(1202, LogLevel.Error, "Connector {Connector}: tool {Tool} is unavailable: tools.{Tool}.input_schema would loosen the upstream's schema ({Problem}); an overlay may only tighten")]
    public static partial void OverlayLoosens(ILogger logger, string connector, string tool, string problem);

    [LoggerMessage(1203, LogLevel.Warning, "Call {CorrelationId}: {Connector}/{Tool} structuredContent does not match the tool's outputSchema: {Violations}")]
    public static partial void OutputSchemaMismatch(ILogger logger, string correlationId, string connector, string tool, string violations);

    [LoggerMessage(1204, LogLevel.Warning, "Call {CorrelationId}: {Connector}/{Tool} structuredContent does not match the tool's outputSchema (output_schema: warn, passed on): {Violations}")]
    public static partial void OutputSchemaMismatchWarned(ILogger logger, string correlationId, string connector, string tool, string violations);

    [LoggerMessage(1205, LogLevel.Information, "Call {CorrelationId}: {Connector}/{Tool} arguments refused: {Violations}")]
    public static partial void ArgumentsRefused(ILogger logger, string correlationId, string connector, string tool, string violations);
}
