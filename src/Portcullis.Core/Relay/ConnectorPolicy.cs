using Portcullis.Core.Configuration;
using Portcullis.Core.Security;

namespace Portcullis.Core.Relay;

/// <summary>
/// A connector's resources and prompts policy, ready to match: the allow-lists, the scopes each entry requires and
/// its timeout. A URI covered by several entries needs the scopes of all of them (the most restrictive wins), and its
/// timeout is the shortest. Anonymous connectors check only the allow-lists.
/// </summary>
internal sealed class ConnectorPolicy
{
    private readonly ResourceRule[] _resources;
    private readonly Dictionary<string, AccessConfig?> _prompts;
    private readonly bool _anonymous;

    public ConnectorPolicy(ConnectorConfig config)
    {
        _anonymous = config.Auth.IsAnonymous;
        _resources = [.. config.ResourcesAllow.Select(text => new ResourceRule(text, ResourcePattern.Parse(text), config.Resources.GetValueOrDefault(text)))];
        _prompts = config.PromptsAllow.Distinct(StringComparer.Ordinal).ToDictionary(p => p, p => config.Prompts.GetValueOrDefault(p), StringComparer.Ordinal);
    }

    /// <summary>The timeout of requests no entry covers (lists, logging levels).</summary>
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(ConfigDefaults.CallTimeoutSeconds);

    public bool OffersResources => _resources.Length > 0;

    public bool OffersPrompts => _prompts.Count > 0;

    /// <summary>Whether <paramref name="caller"/> may see and read the resource at <paramref name="uri"/>.</summary>
    public bool AllowsUri(string? uri, CallerIdentity caller) =>
        uri is not null && Permits(_resources.Where(r => r.Pattern.MatchesUri(uri)).ToList(), caller);

    /// <summary>Whether <paramref name="caller"/> may see the upstream template <paramref name="uriTemplate"/>.</summary>
    public bool AllowsTemplate(string? uriTemplate, CallerIdentity caller) =>
        uriTemplate is not null && Permits(_resources.Where(r => r.Pattern.MatchesTemplate(uriTemplate)).ToList(), caller);

    public bool AllowsPrompt(string? name, CallerIdentity caller) =>
        name is not null && _prompts.TryGetValue(name, out var policy) && (_anonymous || caller.HasAll(policy?.Scopes ?? []));

    /// <summary>Whether any <c>resources_allow</c> entry covers the URI, whoever asks (what <c>pin</c> pins).</summary>
    public bool CoversUri(string uri) => _resources.Any(r => r.Pattern.MatchesUri(uri));

    /// <summary>Whether any <c>resources_allow</c> entry covers the upstream template, whoever asks.</summary>
    public bool CoversTemplate(string uriTemplate) => _resources.Any(r => r.Pattern.MatchesTemplate(uriTemplate));

    /// <summary>
    /// The first <c>resources_allow</c> entry, as the config writes it, that covers the URI (or, with
    /// <paramref name="template"/>, the upstream template); null when none does. The name a metric gives a resource: a
    /// prefix covers URIs that grow with the upstream's data, the entries are the config's own.
    /// </summary>
    public string? EntryCovering(string uriOrTemplate, bool template) =>
        _resources.FirstOrDefault(r => template ? r.Pattern.MatchesTemplate(uriOrTemplate) : r.Pattern.MatchesUri(uriOrTemplate))?.Entry;

    /// <summary>Whether <c>prompts_allow</c> lists the prompt, whoever asks.</summary>
    public bool CoversPrompt(string name) => _prompts.ContainsKey(name);

    /// <summary>The shortest timeout of the entries covering <paramref name="uriOrTemplate"/>.</summary>
    public TimeSpan ResourceTimeout(string uriOrTemplate) =>
        Shortest(_resources.Where(r => r.Pattern.MatchesUri(uriOrTemplate) || r.Pattern.MatchesTemplate(uriOrTemplate)).Select(r => r.Access));

    public TimeSpan PromptTimeout(string name) => Shortest([_prompts.GetValueOrDefault(name)]);

    private bool Permits(List<ResourceRule> covering, CallerIdentity caller) =>
        covering.Count > 0 && (_anonymous || caller.HasAll(covering.SelectMany(r => r.Access?.Scopes ?? [])));

    private static TimeSpan Shortest(IEnumerable<AccessConfig?> entries)
    {
        var seconds = entries.Select(e => e?.TimeoutSeconds ?? ConfigDefaults.CallTimeoutSeconds).DefaultIfEmpty(ConfigDefaults.CallTimeoutSeconds).Min();
        return TimeSpan.FromSeconds(seconds);
    }

    private sealed record ResourceRule(string Entry, ResourcePattern Pattern, AccessConfig? Access);
}
