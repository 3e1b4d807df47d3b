using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Portcullis.Logging;

/// <summary>
/// One line per event: <c>2026-01-31T09:15:02.318Z info: Category[id] message</c>, the timestamp in UTC with its date.
/// An exception adds its type and message; its stack trace only when <see cref="GatewayConsoleFormatterOptions.IncludeStackTraces"/>.
/// </summary>
internal sealed class GatewayConsoleFormatter(IOptionsMonitor<GatewayConsoleFormatterOptions> options, TimeProvider time) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "portcullis";

    /// <summary>The C0 controls but tab, DEL, the C1 controls (8-bit CSI among them), and the line and paragraph separators.</summary>
    private static readonly SearchValues<char> Unsafe = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Where(c => c != '\t').Select(c => (char)c), .. Enumerable.Range(0x7f, 0x21).Select(c => (char)c), '\u2028', '\u2029']);

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
        textWriter.Write(OneLine(message ?? ""));
        if (logEntry.Exception is { } exception)
        {
            textWriter.Write(" | ");
            textWriter.Write(OneLine(settings.IncludeStackTraces ? exception.ToString() : Summary(exception)));
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

    /// <summary>
    /// Every line break (a lone CR, NEL, a line or paragraph separator, a form feed too, not only LF) as a space, and every other
    /// control character but tab escaped (<c>\u001b</c>): an exception's message is the words of an upstream or a library,
    /// which the gateway did not choose, and no escape sequence or carriage return of theirs reaches an operator's terminal.
    /// </summary>
    internal static string OneLine(string text)
    {
        if (text.AsSpan().IndexOfAny(Unsafe) < 0)
        {
            return text;
        }

        var line = new StringBuilder(text.Length + 16);
        foreach (var c in text.ReplaceLineEndings(" "))
        {
            if (Unsafe.Contains(c))
            {
                line.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                line.Append(c);
            }
        }

        return line.ToString();
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
