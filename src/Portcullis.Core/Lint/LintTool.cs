using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Tools;

namespace Portcullis.Core.Lint;

/// <summary>
/// An allow-listed tool as far as lint knows it: from the config alone, or with the upstream's definition and the
/// gateway's view of it when the upstream was listed.
/// </summary>
internal sealed class LintTool
{
    public required string Name { get; init; }

    /// <summary>The tool's index in <c>tools_allow</c>.</summary>
    public required int AllowIndex { get; init; }

    public ToolConfig? Policy { get; init; }

    /// <summary>The upstream's definition; null when the upstream was not listed or does not offer the tool.</summary>
    public Tool? Upstream { get; init; }

    /// <summary>The tool as the gateway exposes it; null unless listed and admitted to the catalog.</summary>
    public GatewayTool? Exposed { get; init; }

    /// <summary>True when the upstream's definition matches its pin, so the gateway trusts its hints.</summary>
    public bool HintsPinned { get; init; }

    /// <summary>Read-only as the gateway decides it: the config, else a pinned definition's hint, else a write.</summary>
    public bool ReadOnly => Upstream is { } upstream ? GatewayTool.IsReadOnly(upstream, Policy, HintsPinned) : Policy?.ReadOnly ?? false;

    /// <summary>
    /// Destructive as the gateway decides it when the upstream is known; from the config alone, a tool opted in
    /// with <c>allow_destructive</c> is taken to be destructive.
    /// </summary>
    public bool Destructive => Upstream is { } upstream
        ? GatewayTool.IsDestructive(upstream, Policy, HintsPinned)
        : Policy is { AllowDestructive: true, ReadOnly: not true };

    public IReadOnlyList<string> Scopes => Policy?.Scopes ?? [];

    /// <summary>Listed by the upstream but kept out of the catalog (a refusal, reported as an error on its own).</summary>
    public bool Refused => Upstream is not null && Exposed is null;
}
