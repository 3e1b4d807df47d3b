namespace Portcullis.Core.Audit;

/// <summary>What an audit event is about.</summary>
public static class AuditKinds
{
    public const string ToolCall = "tool_call";

    public const string ResourceRead = "resource_read";

    public const string PromptGet = "prompt_get";

    /// <summary>A <c>resources/subscribe</c> refused because pins withhold its resource (others are not audited).</summary>
    public const string ResourceSubscribe = "resource_subscribe";

    /// <summary>A <c>completion/complete</c> refused because pins withhold its prompt or template (others are not audited).</summary>
    public const string Completion = "completion";

    /// <summary>A request refused before the MCP layer: bad token, unknown connector, host filter, step-up, size.</summary>
    public const string HttpRefusal = "http_refusal";

    public const string ConfigLoaded = "config_loaded";

    /// <summary>A connector's catalog (the tools agents may see) changed.</summary>
    public const string CatalogChanged = "catalog_changed";

    /// <summary>
    /// An allow-listed tool was withheld from the catalog (destructive, loosening overlay, uncompilable schema, differs from its
    /// pin or has none), or a resource or prompt was withheld for its pin.
    /// </summary>
    public const string ToolRefused = "tool_refused";

    /// <summary>An operator settled an outcome-unknown idempotency key.</summary>
    public const string KeyResolved = "key_resolved";

    /// <summary>A review was decided (approved, denied) or an approval counted; the actor is who decided.</summary>
    public const string ReviewDecided = "review_decided";

    /// <summary>
    /// A caller-mode review whose calling user could not be asked from the retrying client was handed to reviewers
    /// (<c>fallback_to_reviewer</c>).
    /// </summary>
    public const string ReviewHandedOver = "review_handed_over";

    /// <summary>The console's dev sign-in minted an admin token (development identity only); the actor is its subject.</summary>
    public const string DevSignIn = "dev_sign_in";

    /// <summary>Every kind, in documentation order: what the audit filters accept and <c>portcullis audit --help</c> lists.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        ToolCall, ResourceRead, PromptGet, ResourceSubscribe, Completion, HttpRefusal, ConfigLoaded, CatalogChanged, ToolRefused, KeyResolved, ReviewDecided, ReviewHandedOver, DevSignIn,
    ];
}
