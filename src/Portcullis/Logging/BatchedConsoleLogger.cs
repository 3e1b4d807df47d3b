using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Logging;

/// <summary>
/// One category's logger: formats each entry with the configured console formatter on the caller's thread and hands
/// the line to the shared <see cref="BatchedLineWriter"/>.
/// </summary>
internal sealed class BatchedConsoleLogger(string category, BatchedConsoleLoggerProvider provider) : ILogger
{
    [ThreadStatic]
    private static StringWriter? t_line;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => provider.ScopeProvider?.Push(state);

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    /// <summary>The MCP SDK's server category, which logs every exception a handler throws as an error, with its stack.</summary>
    private const string SdkServer = "ModelContextProtocol.Server.McpServer";

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        // A protocol error a handler throws is the gateway's own answer to the client (an unknown resource, an expired
        // requestState): answered, and counted or logged by the gateway where it matters. The SDK's copy of each, an
        // error with a stack trace, would let any client flood the log.
        if (!IsEnabled(logLevel) || (exception is ModelContextProtocol.McpProtocolException && string.Equals(category, SdkServer, StringComparison.Ordinal)))
        {
            return;
        }

        var line = t_line ??= new StringWriter();
        var text = line.GetStringBuilder();
        try
        {
            provider.Formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), provider.ScopeProvider, line);
            if (text.Length > 0)
            {
                provider.Writer.Append(text, urgent: logLevel >= LogLevel.Warning);
            }
        }
        finally
        {
            text.Clear();
            if (text.Capacity > 4096)
            {
                text.Capacity = 1024;
            }
        }
    }
}
