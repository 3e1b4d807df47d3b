using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Logging;

/// <summary>
/// The gateway's console logging: the console provider's formatters (the gateway's text line, or JSON), every line on
/// stderr through one <see cref="BatchedLineWriter"/> instead of the console logger's one write per line.
/// </summary>
[ProviderAlias("Console")]
internal sealed class BatchedConsoleLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    public BatchedConsoleLoggerProvider(IOptionsMonitor<ConsoleLoggerOptions> options, IEnumerable<ConsoleFormatter> formatters)
    {
        var name = options.CurrentValue.FormatterName;
        Formatter = formatters.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No console formatter is named '{name}'.");
        Writer = new BatchedLineWriter(Console.OpenStandardError());
    }

    internal ConsoleFormatter Formatter { get; }

    internal BatchedLineWriter Writer { get; }

    internal IExternalScopeProvider? ScopeProvider { get; private set; }

    public ILogger CreateLogger(string categoryName) => new BatchedConsoleLogger(categoryName, this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => ScopeProvider = scopeProvider;

    public void Dispose() => Writer.Dispose();
}
