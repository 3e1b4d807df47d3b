using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Schemas;

namespace Portcullis.Core.Tools;

/// <summary>An upstream tool together with the policy the gateway applies to it.</summary>
internal sealed class GatewayTool
{
    public GatewayTool(Tool upstream, ToolConfig? policy, Tool exposed)
    {
        Upstream = upstream;
        Policy = policy;
        Exposed = exposed;
        // A tool the config puts behind review is a write, whatever its hint: only writes can be reviewed.
        ReadOnly = policy?.ReadOnly ?? (policy?.RequiresReview != true && (upstream.Annotations?.ReadOnlyHint ?? false));
        RequiredScopes = policy?.Scopes ?? [];
    }

    public string Name => Upstream.Name;

    /// <summary>The tool as the upstream described it.</summary>
    public Tool Upstream { get; }

    public ToolConfig? Policy { get; }

    /// <summary>The tool as agents see it: the effective, tightened schema.</summary>
    public Tool Exposed { get; }

    /// <summary>Read-only when the config or the upstream says so (never when review is required); unknown means write.</summary>
    public bool ReadOnly { get; }

    public IReadOnlyList<string> RequiredScopes { get; }

    /// <summary>Where the config's input_schema overlay would loosen the upstream's schema; any makes the tool refused.</summary>
    public IReadOnlyList<OverlayProblem> OverlayProblems { get; init; } = [];

    /// <summary>The compiled effective input schema; set once the catalog compiled it.</summary>
    public CompiledSchema? InputValidator { get; internal set; }

    /// <summary>The compiled output schema, when the tool declares one.</summary>
    public CompiledSchema? OutputValidator { get; internal set; }

    /// <summary>The spec's default for a tool that is not read-only and not annotated otherwise is destructive.</summary>
    public static bool IsDestructive(Tool tool, ToolConfig? policy) =>
        !(policy?.ReadOnly ?? tool.Annotations?.ReadOnlyHint ?? false) && (tool.Annotations?.DestructiveHint ?? true);
}
