using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Relay;
using Portcullis.Core.Tools;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Connectors;

/// <summary>One configured connector at run time: its policy, its upstream and its current tool catalog.</summary>
public sealed class Connector
{
    private readonly ToolSchemaBuilder _schemas;
    private readonly ILogger _logger;
    private volatile ToolCatalog _catalog = ToolCatalog.Empty;

    internal Connector(ConnectorConfig config, UpstreamSupervisor upstream, ConnectorRelay relay, ToolSchemaBuilder schemas, ILogger logger)
    {
        Relay = relay;
        Policy = new ConnectorPolicy(config);
        Config = config;
        Upstream = upstream;
        _schemas = schemas;
        _logger = logger;
        upstream.ToolsChanged += OnToolsChanged;
    }

    public string Name => Config.Server;

    public ConnectorConfig Config { get; }

    internal UpstreamSupervisor Upstream { get; }

    /// <summary>Routes what the upstream sends back to the downstream clients that caused it.</summary>
    internal ConnectorRelay Relay { get; }

    /// <summary>The resources and prompts allow-lists.</summary>
    internal ConnectorPolicy Policy { get; }

    internal ToolCatalog Catalog => _catalog;

    /// <summary>Allow-listed tools hidden because the upstream marks them destructive and the config did not opt in.</summary>
    public IReadOnlyList<string> RefusedDestructiveTools => _catalog.RefusedDestructive;

    /// <summary>Allow-listed tools hidden because the config's input_schema overlay would loosen the upstream's schema.</summary>
    public IReadOnlyList<(string Tool, string Keyword, string Problem)> LooseningOverlays =>
        [.. _catalog.LooseningOverlays.Select(l => (l.Tool, l.Problem.Keyword, l.Problem.ToString()))];

    public UpstreamStatus Status => Upstream.Status;

    /// <summary>Raised after each rebuild of the catalog, with the one it replaced.</summary>
    internal event Action<Connector, ToolCatalog, ToolCatalog>? CatalogChanged;

    private void OnToolsChanged(IReadOnlyList<Tool> tools)
    {
        var catalog = ToolCatalog.Build(Config, tools, _schemas);
        foreach (var name in catalog.RefusedDestructive)
        {
            Log.DestructiveToolRefused(_logger, Name, name);
        }

        foreach (var (tool, problem) in catalog.LooseningOverlays)
        {
            Log.OverlayLoosens(_logger, Name, tool, problem.Keyword, problem.ToString());
        }

        foreach (var (tool, reason) in catalog.Uncompilable)
        {
            Log.SchemaUncompilable(_logger, Name, tool, reason);
        }

        var previous = _catalog;
        _catalog = catalog;
        CatalogChanged?.Invoke(this, previous, catalog);
    }
}
