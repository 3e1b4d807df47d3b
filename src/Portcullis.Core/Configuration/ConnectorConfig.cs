namespace Portcullis.Core.Configuration;

/// <summary>One upstream MCP server as the agents see it.</summary>
public sealed class ConnectorConfig
{
    public string Server { get; set; } = "";

    public UpstreamConfig Upstream { get; set; } = new();

    public AuthConfig Auth { get; set; } = new();

    public string Environment { get; set; } = "";

    public List<string> ToolsAllow { get; set; } = [];

    /// <summary>Resources agents may see: exact URIs, URI templates, or prefixes ending in <c>*</c>; empty means none.</summary>
    public List<string> ResourcesAllow { get; set; } = [];

    /// <summary>Prompts agents may see, by exact name; empty means none.</summary>
    public List<string> PromptsAllow { get; set; } = [];

    public Dictionary<string, ToolConfig> Tools { get; set; } = [];

    /// <summary>Per <c>resources_allow</c> entry (by its exact text): the scopes a request for a covered URI needs, and its timeout.</summary>
    public Dictionary<string, AccessConfig> Resources { get; set; } = [];

    /// <summary>Per <c>prompts_allow</c> name: the scopes getting or completing it needs, and its timeout.</summary>
    public Dictionary<string, AccessConfig> Prompts { get; set; } = [];

    public RateLimitConfig? RateLimit { get; set; }
}
