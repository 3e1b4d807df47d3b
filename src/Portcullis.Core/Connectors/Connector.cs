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

    /// <summary>Allow-listed tools the current catalog keeps out, and why, in the words serve and lint share.</summary>
    internal IReadOnlyList<CatalogRefusal> Refusals { get; private set; } = [];

    public UpstreamStatus Status => Upstream.Status;

    /// <summary>Raised after each rebuild of the catalog, with the one it replaced.</summary>
    internal event Action<Connector, ToolCatalog, ToolCatalog>? CatalogChanged;

    private void OnToolsChanged(IReadOnlyList<Tool> tools)
    {
        var catalog = ToolCatalog.Build(Config, tools, _schemas);
        var refusals = CatalogRefusal.Of(Config, catalog);
        foreach (var refusal in refusals)
        {
            switch (refusal.Kind)
            {
                case CatalogRefusalKind.DestructiveNotOptedIn:
                    Log.DestructiveToolRefused(_logger, Name, refusal.Tool);
                    break;
                case CatalogRefusalKind.OverlayLoosens:
                    Log.OverlayLoosens(_logger, Name, refusal.Tool, refusal.Message);
                    break;
                default:
                    Log.SchemaUncompilable(_logger, Name, refusal.Message);
                    break;
            }
        }

        Refusals = refusals;
        var previous = _catalog;
        _catalog = catalog;
        CatalogChanged?.Invoke(this, previous, catalog);
    }
}
