using Microsoft.Extensions.Logging.Console;

namespace Portcullis.Logging;

/// <summary>Options of <see cref="GatewayConsoleFormatter"/>.</summary>
internal sealed class GatewayConsoleFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>Print exceptions with their stack traces; otherwise only each exception's type and message.</summary>
    public bool IncludeStackTraces { get; set; }
}
