namespace Portcullis.Core.Lint;

/// <summary>Every finding <c>portcullis lint</c> can report, in one closed list; each id has a section in docs/lint.md.</summary>
internal static class LintRules
{
    public static readonly LintRule ConfigInvalid = new("config-invalid", LintSeverity.Error, "serve refuses this configuration");
    public static readonly LintRule DestructiveNotOptedIn = new("destructive-not-opted-in", LintSeverity.Error, "a destructive tool is allow-listed without allow_destructive");
    public static readonly LintRule OverlayLoosens = new("overlay-loosens", LintSeverity.Error, "an input_schema overlay would loosen the upstream's schema");
    public static readonly LintRule SchemaUncompilable = new("schema-uncompilable", LintSeverity.Error, "an allow-listed tool's schema does not compile");
    public static readonly LintRule ToolListedTwice = new("tool-listed-twice", LintSeverity.Error, "the upstream lists an allow-listed tool more than once");
    public static readonly LintRule ToolHeadersInvalid = new("tool-headers-invalid", LintSeverity.Error, "an allow-listed tool's x-mcp-header annotations are invalid");
    public static readonly LintRule UpstreamUnreachable = new("upstream-unreachable", LintSeverity.Error, "the upstream's tools could not be listed");
    public static readonly LintRule PinsInvalid = new("pins-invalid", LintSeverity.Error, "the lock file cannot be read");
    public static readonly LintRule PinDrift = new("pin-drift", LintSeverity.Error, "a tool differs from its pin, or its pin was edited");
    public static readonly LintRule AuthNone = new("auth-none", LintSeverity.Warning, "a connector accepts calls without a token");
    public static readonly LintRule TokenTtlLong = new("token-ttl-long", LintSeverity.Warning, "tokens may live longer than an hour");
    public static readonly LintRule ScopeBroad = new("scope-broad", LintSeverity.Warning, "one scope grants too much");
    public static readonly LintRule CredentialShared = new("credential-shared", LintSeverity.Warning, "one secret reference serves several connectors or environments");
    public static readonly LintRule CredentialInline = new("credential-inline", LintSeverity.Warning, "a secret is written in the config instead of referenced");
    public static readonly LintRule CredentialPlainHttp = new("credential-plain-http", LintSeverity.Warning, "credentials go over plain http on the config's word that the network encrypts");
    public static readonly LintRule DestructiveWithoutReview = new("destructive-without-review", LintSeverity.Warning, "a destructive tool is exposed with its review waived");
    public static readonly LintRule StringUnbounded = new("string-unbounded", LintSeverity.Warning, "a string argument has no bound");
    public static readonly LintRule AdditionalPropertiesOpen = new("additional-properties-open", LintSeverity.Warning, "a tool accepts arguments its schema does not declare");
    public static readonly LintRule WriteWithoutRateLimit = new("write-without-rate-limit", LintSeverity.Warning, "a write tool has no rate limit");
    public static readonly LintRule HintUntrusted = new("hint-untrusted", LintSeverity.Warning, "an unpinned upstream hint loosens policy");
    public static readonly LintRule PinsMissing = new("pins-missing", LintSeverity.Warning, "tools are not pinned");
    public static readonly LintRule ToolNameConfusable = new("tool-name-confusable", LintSeverity.Warning, "an allowed tool's name reads like another's, or holds an invisible character");
    public static readonly LintRule ToolNotOffered = new("tool-not-offered", LintSeverity.Warning, "tools_allow names a tool the upstream does not offer");
    public static readonly LintRule AdminUrlUnknown = new("admin-url-unknown", LintSeverity.Warning, "the admin plane listens on every address and no admin.public_url names it");
    public static readonly LintRule LiveChecksSkipped = new("live-checks-skipped", LintSeverity.Info, "checks that need the upstreams did not run");

    public static readonly IReadOnlyList<LintRule> All =
    [
        ConfigInvalid, DestructiveNotOptedIn, OverlayLoosens, SchemaUncompilable, ToolListedTwice, ToolHeadersInvalid, UpstreamUnreachable, PinsInvalid, PinDrift,
        AuthNone, TokenTtlLong, ScopeBroad, CredentialShared, CredentialInline, CredentialPlainHttp, DestructiveWithoutReview, StringUnbounded,
        AdditionalPropertiesOpen, WriteWithoutRateLimit, HintUntrusted, PinsMissing, ToolNameConfusable, ToolNotOffered, AdminUrlUnknown, LiveChecksSkipped,
    ];
}
