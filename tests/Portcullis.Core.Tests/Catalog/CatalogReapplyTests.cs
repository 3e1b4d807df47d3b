using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Tools;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Tests.Catalog;

/// <summary>
/// A reapply (a changed lock file) that waits for a rebuild under way rebuilds from the list in place once it runs: the
/// list it saw before it waited may be the one of the connection before, and a catalog built from it would judge the
/// calls sent to the new connection.
/// </summary>
public sealed class CatalogReapplyTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Reapply_WaitingForARebuildFromANewList_RebuildsFromTheNewList()
    {
        var config = new ConnectorConfig
        {
            Server = "crm",
            ToolsAllow = ["find", "wipe"],
            Tools = new() { ["find"] = new ToolConfig { ReadOnly = true } },
        };
        var logger = new CallbackLogger();
        var supervisor = new UpstreamSupervisor("crm", () => throw new InvalidOperationException("never connected"), new FakeTimeProvider(), NullLoggerFactory.Instance);
        var connector = new Connector(config, supervisor, new Portcullis.Core.Relay.ConnectorRelay("crm", TimeProvider.System, NullLogger.Instance),
            new ToolSchemaBuilder(new Portcullis.Core.Schemas.SchemaCache()), Portcullis.Core.Pins.PinRegistry.Off(), logger);
        var schema = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone();
        var before = new UpstreamToolList([new Tool { Name = "find", InputSchema = schema }]);
        var after = new UpstreamToolList([
            new Tool { Name = "find", InputSchema = schema, Description = "the restarted upstream's" },
            new Tool { Name = "wipe", InputSchema = schema, Annotations = new ToolAnnotations { DestructiveHint = true } },
        ]);
        using var deadline = new CancellationTokenSource(Wait);
        await connector.Catalog.RebuildAsync(before, () => { }, deadline.Token).WaitAsync(Wait);

        // The new list's rebuild is under way (logging what it withholds) as the lock file changes.
        Task? reapplying = null;
        logger.OnLog = () => reapplying ??= connector.Catalog.ReapplyAsync(deadline.Token);
        await connector.Catalog.RebuildAsync(after, () => { }, deadline.Token).WaitAsync(Wait);
        Assert.NotNull(reapplying);
        await reapplying.WaitAsync(Wait);

        Assert.Same(after.Tools, connector.Catalog.UpstreamTools);
        Assert.Equal("the restarted upstream's", connector.Catalog.Current.Ordered.Single(t => t.Name == "find").Exposed.Description);
    }

    private sealed class CallbackLogger : ILogger
    {
        public Action? OnLog { get; set; }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) => OnLog?.Invoke();
    }
}
