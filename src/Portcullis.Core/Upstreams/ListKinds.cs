using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Upstreams;

/// <summary>The four lists an upstream pages through, as <see cref="ListPage"/> reads them.</summary>
internal static class ListKinds
{
    /// <summary>A schema no call satisfies: were a tool's stand-in ever taken without its mark, it still could not be called.</summary>
    private static readonly JsonElement NoCall = JsonDocument.Parse("""{"type":"object","not":{}}""").RootElement.Clone();

    public static readonly ListKind<ListToolsResult, Tool> Tools = new()
    {
        Method = RequestMethods.ToolsList,
        Member = "tools",
        Noun = "tool",
        Key = "name",
        Items = page => page.Tools,
        Page = (items, next) => new ListToolsResult { Tools = items, NextCursor = next },
        StandIn = name => new Tool { Name = name, InputSchema = NoCall },
    };

    public static readonly ListKind<ListResourcesResult, Resource> Resources = new()
    {
        Method = RequestMethods.ResourcesList,
        Member = "resources",
        Noun = "resource",
        Key = "uri",
        Items = page => page.Resources,
        Page = (items, next) => new ListResourcesResult { Resources = items, NextCursor = next },
        StandIn = uri => new Resource { Uri = uri, Name = uri },
    };

    public static readonly ListKind<ListResourceTemplatesResult, ResourceTemplate> ResourceTemplates = new()
    {
        Method = RequestMethods.ResourcesTemplatesList,
        Member = "resourceTemplates",
        Noun = "resource template",
        Key = "uriTemplate",
        Items = page => page.ResourceTemplates,
        Page = (items, next) => new ListResourceTemplatesResult { ResourceTemplates = items, NextCursor = next },
        StandIn = template => new ResourceTemplate { UriTemplate = template, Name = template },
    };

    public static readonly ListKind<ListPromptsResult, Prompt> Prompts = new()
    {
        Method = RequestMethods.PromptsList,
        Member = "prompts",
        Noun = "prompt",
        Key = "name",
        Items = page => page.Prompts,
        Page = (items, next) => new ListPromptsResult { Prompts = items, NextCursor = next },
        StandIn = name => new Prompt { Name = name },
    };
}
