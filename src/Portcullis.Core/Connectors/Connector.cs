using Microsoft.Extensions.Logging;
using Portcullis.Core.Catalog;
using Portcullis.Core.Configuration;
using Portcullis.Core.Relay;
using Portcullis.Core.Tools;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Connectors;

/// <summary>One configured connector at run time: its policy, its upstream and its tool catalog.</summary>
public sealed class Connector
{
    internal Connector(ConnectorConfig config, UpstreamSupervisor upstream, ConnectorRelay relay, ToolSchemaBuilder schemas, Pins.PinRegistry pins, ILogger logger)
    {
        Pins = pins;
        Relay = relay;
        Policy = new ConnectorPolicy(config);
        Config = config;
        Upstream = upstream;
        Catalog = new ConnectorCatalog(config, schemas, relay, () => upstream.Client is not null && !upstream.ToolsOutdated, pins, logger);
        Catalog.Rebuilt += (previous, current) => CatalogChanged?.Invoke(this, previous, current);
        upstream.ToolsListed = Catalog.RebuildAsync;
        upstream.Connected = (client, ct) => relay.ResubscribeAsync(client, Policy.ResourceTimeout, ct);
    }

    public string Name => Config.Server;

    public ConnectorConfig Config { get; }

    internal UpstreamSupervisor Upstream { get; }

    /// <summary>Routes what the upstream sends back to the downstream clients that caused it.</summary>
    internal ConnectorRelay Relay { get; }

    /// <summary>The resources and prompts allow-lists.</summary>
    internal ConnectorPolicy Policy { get; }

    /// <summary>The pins in force (shared by every connector); resources and prompts are checked against them as they pass.</summary>
    internal Pins.PinRegistry Pins { get; }

    /// <summary>The tool catalog and its lifecycle: unknown until the upstream first lists its tools.</summary>
    internal ConnectorCatalog Catalog { get; }

    public CatalogState CatalogState => Catalog.State;

    /// <summary>Allow-listed tools the last catalog rebuild withheld, and why, in the words serve and lint share.</summary>
    public IReadOnlyList<CatalogRefusal> Refusals => Catalog.Refusals;

    public UpstreamStatus Status => Upstream.Status;

    /// <summary>Raised after each rebuild of the catalog (through <see cref="ConnectorCatalog.RebuildAsync"/>), with the one it replaced.</summary>
    internal event Action<Connector, ToolCatalog, ToolCatalog>? CatalogChanged;
}
