using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Portcullis.Core.Lint;

/// <summary>
/// A logger provider that keeps, per connector, the first reason its upstream failed, so lint can say why an
/// upstream could not be listed. It is lint's only logger: nothing else of the supervisors' logging is printed.
/// </summary>
internal sealed class UpstreamFailures : ILoggerProvider, ILogger
{
    private readonly ConcurrentDictionary<string, string> _reasons = new(StringComparer.Ordinal);

    public string? For(string connector) => _reasons.TryGetValue(connector, out var reason) ? reason : null;

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (exception is null || state is not IReadOnlyList<KeyValuePair<string, object?>> values
            || values.FirstOrDefault(v => v.Key == "Connector").Value is not string connector)
        {
            return;
        }

        // The outermost says what failed, the innermost why (a missing file, a refused connection).
        var innermost = exception;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        var reason = $"{exception.GetType().Name}: {exception.Message}";
        _reasons.TryAdd(connector, ReferenceEquals(innermost, exception) ? reason : $"{reason}; caused by {innermost.GetType().Name}: {innermost.Message}");
    }

    public void Dispose()
    {
    }
}
