using Portcullis.Core.Configuration;

namespace Portcullis.Core.Relay;

/// <summary>A connector's allow-lists for resources and prompts, ready to match.</summary>
internal sealed class ConnectorPolicy(ConnectorConfig config)
{
    private readonly ResourcePattern[] _resources = [.. config.ResourcesAllow.Select(ResourcePattern.Parse)];
    private readonly HashSet<string> _prompts = config.PromptsAllow.ToHashSet(StringComparer.Ordinal);

    public bool OffersResources => _resources.Length > 0;

    public bool OffersPrompts => _prompts.Count > 0;

    public bool AllowsUri(string? uri) => uri is not null && _resources.Any(p => p.MatchesUri(uri));

    public bool AllowsTemplate(string? uriTemplate) => uriTemplate is not null && _resources.Any(p => p.MatchesTemplate(uriTemplate));

    public bool AllowsPrompt(string? name) => name is not null && _prompts.Contains(name);
}
