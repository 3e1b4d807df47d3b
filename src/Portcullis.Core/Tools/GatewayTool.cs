using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.Tools;

/// <summary>An upstream tool together with the policy the gateway applies to it.</summary>
internal sealed class GatewayTool
{
    public GatewayTool(Tool upstream, ToolConfig? policy, Tool exposed)
    {
        Upstream = upstream;
        Policy = policy;
        Exposed = exposed;
        ReadOnly = policy?.ReadOnly ?? upstream.Annotations?.ReadOnlyHint ?? false;
        RequiredScopes = policy?.Scopes ?? [];
    }

    public string Name => Upstream.Name;

    /// <summary>The tool as the upstream described it.</summary>
    public Tool Upstream { get; }

    public ToolConfig? Policy { get; }

    /// <summary>The tool as agents see it: the effective, tightened schema.</summary>
    public Tool Exposed { get; }

    /// <summary>Read-only when the config or the upstream says so; unknown means write.</summary>
    public bool ReadOnly { get; }

    public IReadOnlyList<string> RequiredScopes { get; }

    /// <summary>The spec's default for a tool that is not read-only and not annotated otherwise is destructive.</summary>
    public static bool IsDestructive(Tool tool, ToolConfig? policy) =>
        !(policy?.ReadOnly ?? tool.Annotations?.ReadOnlyHint ?? false) && (tool.Annotations?.DestructiveHint ?? true);
}
