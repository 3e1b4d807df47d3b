using Microsoft.Extensions.Logging;

namespace Portcullis.Core.Tests.Diagnostics;

/// <summary>Keeps every formatted log line, in order.</summary>
internal sealed class ListLogger : ILogger
{
    public List<string> Lines { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Add(formatter(state, exception));
}

/// <summary>A <see cref="ListLogger"/> for a component that takes a typed logger.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    public ListLogger Inner { get; } = new();

    public List<string> Lines => Inner.Lines;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Inner.Log(logLevel, eventId, state, exception, formatter);
}
