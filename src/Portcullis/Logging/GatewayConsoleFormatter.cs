using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Logging;

/// <summary>
/// One line per event: <c>2026-01-31T09:15:02.318Z info: Category[id] message</c>, the timestamp in UTC with its date.
/// An exception adds its type and message; its stack trace only when <see cref="GatewayConsoleFormatterOptions.IncludeStackTraces"/>.
/// </summary>
internal sealed class GatewayConsoleFormatter(IOptionsMonitor<GatewayConsoleFormatterOptions> options, TimeProvider time) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "portcullis";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var settings = options.CurrentValue;
        // Formatted on the stack: every call writes a line, so its timestamp and event id should not each be a string.
        Span<char> buffer = stackalloc char[32];
        time.GetUtcNow().TryFormat(buffer, out var written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        textWriter.Write(buffer[..written]);
        textWriter.Write(' ');
        textWriter.Write(Level(logEntry.LogLevel));
        textWriter.Write(": ");
        textWriter.Write(logEntry.Category);
        textWriter.Write('[');
        logEntry.EventId.Id.TryFormat(buffer, out written, provider: CultureInfo.InvariantCulture);
        textWriter.Write(buffer[..written]);
        textWriter.Write("] ");
        textWriter.Write(LogText.OneLine(message ?? ""));
        if (logEntry.Exception is { } exception)
        {
            textWriter.Write(" | ");
            textWriter.Write(LogText.OneLine(settings.IncludeStackTraces ? exception.ToString() : Summary(exception)));
        }

        textWriter.Write(Environment.NewLine);
    }

    /// <summary>Every exception in the chain as <c>Type: message</c>, without stack frames.</summary>
    internal static string Summary(Exception exception)
    {
        var parts = new List<string>();
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            parts.Add($"{current.GetType().Name}: {current.Message}");
        }

        return string.Join(" ---> ", parts);
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
