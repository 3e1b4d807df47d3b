using System.Collections.Frozen;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Schemas;

namespace Portcullis.Core.Tools;

/// <summary>
/// The tools of one connector that policy lets anyone see: allow-listed, and not destructive unless
/// opted in. Everything else is absent and answers as unknown. Rebuilt when the upstream's list changes.
/// </summary>
internal sealed class ToolCatalog
{
    public static readonly ToolCatalog Empty = new(FrozenDictionary<string, GatewayTool>.Empty, [], [], [], [], []);

    private readonly FrozenDictionary<string, GatewayTool> _tools;

    private ToolCatalog(
        FrozenDictionary<string, GatewayTool> tools,
        IReadOnlyList<GatewayTool> ordered,
        IReadOnlyList<string> refused,
        IReadOnlyList<(string Tool, OverlayProblem Problem)> looseningOverlays,
        IReadOnlyList<(string Tool, string Reason)> uncompilable,
        IReadOnlyList<string> notAllowed)
    {
        NotAllowed = notAllowed;
        _tools = tools;
        Ordered = ordered;
        RefusedDestructive = refused;
        LooseningOverlays = looseningOverlays;
        Uncompilable = uncompilable;
        Lists = new ToolListCache(ordered);
    }

    /// <summary>Allowed tools in the upstream's order.</summary>
    public IReadOnlyList<GatewayTool> Ordered { get; }

    /// <summary>Allow-listed tools hidden because they are destructive and not opted in.</summary>
    public IReadOnlyList<string> RefusedDestructive { get; }

    /// <summary>Allow-listed tools hidden because the config's overlay would loosen their schema, with each problem.</summary>
    public IReadOnlyList<(string Tool, OverlayProblem Problem)> LooseningOverlays { get; }

    /// <summary>Allow-listed tools hidden because their schema does not compile, with the reason.</summary>
    public IReadOnlyList<(string Tool, string Reason)> Uncompilable { get; }

    /// <summary>Tools the upstream offers that are not in <c>tools_allow</c>.</summary>
    public IReadOnlyList<string> NotAllowed { get; }

    /// <summary>What <c>tools/list</c> shows each caller, kept as long as this catalog is current.</summary>
    public ToolListCache Lists { get; }

    public bool TryGet(string name, out GatewayTool tool) => _tools.TryGetValue(name, out tool!);

    public static ToolCatalog Build(ConnectorConfig connector, IEnumerable<Tool> upstreamTools, ToolSchemaBuilder schemas)
    {
        var allowed = connector.ToolsAllow.ToHashSet(StringComparer.Ordinal);
        var ordered = new List<GatewayTool>();
        var refused = new List<string>();
        var loosening = new List<(string, OverlayProblem)>();
        var uncompilable = new List<(string, string)>();
        var notAllowed = new List<string>();
        foreach (var tool in upstreamTools)
        {
            if (!allowed.Contains(tool.Name))
            {
                notAllowed.Add(tool.Name);
                continue;
            }

            connector.Tools.TryGetValue(tool.Name, out var policy);
            if (GatewayTool.IsDestructive(tool, policy) && policy?.AllowDestructive != true)
            {
                refused.Add(tool.Name);
                continue;
            }

            var built = schemas.Build(tool, policy);
            if (built.OverlayProblems.Count > 0)
            {
                loosening.AddRange(built.OverlayProblems.Select(p => (tool.Name, p)));
                continue;
            }

            if (schemas.Compile(connector.Server, built) is { } failure)
            {
                uncompilable.Add((tool.Name, failure));
                continue;
            }

            ordered.Add(built);
        }

        return new ToolCatalog(ordered.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal), ordered, refused, loosening, uncompilable, notAllowed);
    }
}
