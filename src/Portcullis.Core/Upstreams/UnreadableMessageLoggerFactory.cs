using Microsoft.Extensions.Logging;

namespace Portcullis.Core.Upstreams;

/// <summary>
/// The logger factory of the MCP SDK's client transport for one upstream (stdio or Streamable HTTP). The transport
/// skips a message it cannot read as JSON-RPC (JSON that is not one, or nested deeper than its reader's 64 levels) with
/// an Information event of its own, which the gateway's filter on the SDK's client side hides: over stdio a call whose
/// answer was such a message then waited for its timeout with no word in the log. This factory hands those events to
/// <c>unreadable</c>, with the reader's reason, and everything else to the gateway's factory unchanged.
/// </summary>
internal sealed class UnreadableMessageLoggerFactory(ILoggerFactory inner, Action<string> unreadable) : ILoggerFactory
{
    /// <summary>The SDK's names for the event (<c>TransportBase</c>); the second when its trace level is on.</summary>
    private static readonly string[] ParseFailed = ["LogTransportMessageParseFailed", "LogTransportMessageParseFailedSensitive"];

    public ILogger CreateLogger(string categoryName) => new Logger(inner.CreateLogger(categoryName), unreadable);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <summary>The gateway's factory is not this one's to dispose.</summary>
    public void Dispose()
    {
    }

    private sealed class Logger(ILogger inner, Action<string> unreadable) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        // The event is written at Information: it must reach Log whatever the filter says.
        public bool IsEnabled(LogLevel logLevel) => logLevel == LogLevel.Information || inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (Array.IndexOf(ParseFailed, eventId.Name) >= 0)
            {
                unreadable(exception?.Message ?? "not a JSON-RPC message");
                return;
            }

            if (inner.IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
