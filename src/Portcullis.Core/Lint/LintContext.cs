using Portcullis.Core.Configuration;
using Portcullis.Core.Pins;

namespace Portcullis.Core.Lint;

/// <summary>Everything the checks look at, built once per run.</summary>
internal sealed class LintContext
{
    private LintContext(GatewayConfig config, IReadOnlyList<LintConnector> connectors, LockFileRead? pins, bool live)
    {
        Config = config;
        Connectors = connectors;
        Pins = pins;
        Live = live;
    }

    public GatewayConfig Config { get; }

    public IReadOnlyList<LintConnector> Connectors { get; }

    public LockFileRead? Pins { get; }

    /// <summary>Whether the upstreams were listed (each connector's <see cref="LintConnector.Live"/> says how it went).</summary>
    public bool Live { get; }

    public static LintContext Build(GatewayConfig config, LockFileRead? pins, IReadOnlyDictionary<string, LiveCatalog>? live)
    {
        var connectors = new List<LintConnector>();
        for (var i = 0; i < config.Connectors.Count; i++)
        {
            var connector = config.Connectors[i];
            LiveCatalog? catalog = null;
            live?.TryGetValue(connector.Server, out catalog);
            // An upstream may list a name twice (serve withholds it, reported as listed_twice): the first definition
            // stands for it here, so lint reports that refusal instead of failing on the duplicate.
            var offered = catalog?.Tools?.DistinctBy(t => t.Name, StringComparer.Ordinal).ToDictionary(t => t.Name, StringComparer.Ordinal);
            var tools = new List<LintTool>();
            for (var t = 0; t < connector.ToolsAllow.Count; t++)
            {
                var name = connector.ToolsAllow[t];
                connector.Tools.TryGetValue(name, out var policy);
                var upstream = offered is not null && offered.TryGetValue(name, out var found) ? found : null;
                var exposed = catalog?.Catalog is { } built && built.TryGet(name, out var tool) ? tool : null;
                // A pin that still matches vouches for the hints it recorded, as in serve.
                var pinned = upstream is not null && pins?.File?.Find(connector.Server, name) is { } pin
                    && Tools.ToolDefinitionJson.Problem(upstream) is null && pin.Check(PinnedDefinition.From(upstream)).State == PinState.Matches;
                tools.Add(new LintTool { Name = name, AllowIndex = t, Policy = policy, Upstream = upstream, Exposed = exposed, HintsPinned = pinned });
            }

            connectors.Add(new LintConnector { Index = i, Config = connector, Tools = tools, Live = catalog });
        }

        return new LintContext(config, connectors, pins, live is not null);
    }
}
