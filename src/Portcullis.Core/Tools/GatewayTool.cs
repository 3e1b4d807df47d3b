using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Pins;
using Portcullis.Core.Schemas;

namespace Portcullis.Core.Tools;

/// <summary>An upstream tool together with the policy the gateway applies to it.</summary>
internal sealed class GatewayTool
{
    private string? _definitionSha256;

    public GatewayTool(Tool upstream, ToolConfig? policy, Tool exposed, bool hintsPinned)
    {
        Upstream = upstream;
        Policy = policy;
        Exposed = exposed;
        ReadOnly = IsReadOnly(upstream, policy, hintsPinned);
        Destructive = IsDestructive(upstream, policy, hintsPinned);
        RequiredScopes = policy?.Scopes ?? [];
    }

    public string Name => Upstream.Name;

    /// <summary>The tool as the upstream described it.</summary>
    public Tool Upstream { get; }

    public ToolConfig? Policy { get; }

    /// <summary>The tool as agents see it: the effective, tightened schema, and the hints the gateway enforces.</summary>
    public Tool Exposed { get; }

    /// <summary>Read-only when the config says so, or the pinned definition's hint (never when review is required); unknown means write.</summary>
    public bool ReadOnly { get; }

    /// <summary>A write the gateway treats as destructive (see <see cref="IsDestructive"/>).</summary>
    public bool Destructive { get; }

    public IReadOnlyList<string> RequiredScopes { get; }

    /// <summary>How long a call of it may take upstream: its policy's <c>timeout_seconds</c>, else the default.</summary>
    public int TimeoutSeconds => Policy?.TimeoutSeconds ?? ConfigDefaults.CallTimeoutSeconds;

    /// <summary>
    /// SHA-256 of the upstream's definition as a pin records it (the pin's digest when it is I-JSON): what a review's
    /// approval is bound to. Computed once per catalog entry, on the first review-required call.
    /// </summary>
    public string DefinitionSha256 => _definitionSha256 ??= DigestOf(Upstream);

    /// <summary>Where the config's input_schema overlay would loosen the upstream's schema; any makes the tool refused.</summary>
    public IReadOnlyList<OverlayProblem> OverlayProblems { get; init; } = [];

    /// <summary>The compiled effective input schema; set once the catalog compiled it.</summary>
    public CompiledSchema? InputValidator { get; internal set; }

    /// <summary>
    /// For a write whose upstream does not declare <c>idempotency_key</c>: the key's schema alone, as agents see it. Such
    /// a key is never forwarded, so the rest of the arguments are judged as they are sent, without it, and the key by this.
    /// </summary>
    public CompiledSchema? KeyValidator { get; internal set; }

    /// <summary>The compiled output schema, when the tool declares one.</summary>
    public CompiledSchema? OutputValidator { get; internal set; }

    /// <summary>
    /// Read-only when the config declares it; otherwise only when <paramref name="hintsPinned"/> (the definition matches
    /// its reviewed pin) and the upstream's <c>readOnlyHint</c> says so, and the config does not put the tool behind
    /// review (only writes can be reviewed). An unpinned upstream cannot make a write skip its idempotency key by
    /// claiming to be read-only.
    /// </summary>
    public static bool IsReadOnly(Tool tool, ToolConfig? policy, bool hintsPinned) =>
        policy?.ReadOnly ?? (hintsPinned && policy?.RequiresReview != true && (tool.Annotations?.ReadOnlyHint ?? false));

    private static string DigestOf(Tool tool)
    {
        var definition = PinnedDefinition.From(tool);
        return PinDigest.Compute(definition)
            ?? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(definition.ToJsonString())));
    }

    /// <summary>The spec's default for a tool that is not read-only and not annotated otherwise is destructive.</summary>
    public static bool IsDestructive(Tool tool, ToolConfig? policy, bool hintsPinned) =>
        !IsReadOnly(tool, policy, hintsPinned) && (tool.Annotations?.DestructiveHint ?? true);

    /// <summary>
    /// The annotations agents see: the upstream's, with <c>readOnlyHint</c> and <c>destructiveHint</c> saying what the
    /// gateway enforces, so a client that auto-approves read-only tools is not told a write is a read.
    /// </summary>
    public static ToolAnnotations EnforcedAnnotations(Tool tool, ToolConfig? policy, bool hintsPinned)
    {
        var readOnly = IsReadOnly(tool, policy, hintsPinned);
        var upstream = tool.Annotations;
        return new ToolAnnotations
        {
            Title = upstream?.Title,
            ReadOnlyHint = readOnly,
            DestructiveHint = readOnly ? null : IsDestructive(tool, policy, hintsPinned),
            IdempotentHint = upstream?.IdempotentHint,
            OpenWorldHint = upstream?.OpenWorldHint,
        };
    }
}
