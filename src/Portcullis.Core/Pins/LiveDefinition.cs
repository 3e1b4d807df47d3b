using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Pins;

/// <summary>One definition as the upstream lists it now, under the name (or URI) it is pinned by.</summary>
internal sealed record LiveDefinition(PinKind Kind, string Name, JsonObject Definition)
{
    /// <summary>Why the definition is not I-JSON and so has no digest (<see cref="Definition"/> is then empty), or null.</summary>
    public string? NotIJson { get; init; }

    /// <summary>A tool's definition as a pin records it, or, when it is not I-JSON, why it cannot be pinned.</summary>
    public static LiveDefinition Of(Tool tool) =>
        Tools.ToolDefinitionJson.Problem(tool) is { } problem
            ? new(PinKind.Tool, tool.Name, []) { NotIJson = problem }
            : new(PinKind.Tool, tool.Name, PinnedDefinition.From(tool));

    /// <summary>A resource's definition as a pin records it, or why it cannot be pinned (the client could not read it).</summary>
    public static LiveDefinition Of(Resource resource) => Of(PinKind.Resource, resource.Uri, resource, PinnedDefinition.From);

    public static LiveDefinition Of(ResourceTemplate template) => Of(PinKind.ResourceTemplate, template.UriTemplate, template, PinnedDefinition.From);

    public static LiveDefinition Of(Prompt prompt) => Of(PinKind.Prompt, prompt.Name, prompt, PinnedDefinition.From);

    /// <remarks>
    /// Its <c>_meta</c> is pinned too, and the MCP client reads there what is not I-JSON (a member named twice, a number beyond
    /// a double's range): such a definition has no digest, so it is reported, not pinned.
    /// </remarks>
    private static LiveDefinition Of<T>(PinKind kind, string name, T listed, Func<T, JsonObject> pinned)
        where T : class
    {
        if (UnreadableDefinitions.Problem(listed) is { } problem)
        {
            return new(kind, name, []) { NotIJson = problem };
        }

        var meta = listed switch
        {
            Resource resource => resource.Meta,
            ResourceTemplate template => template.Meta,
            Prompt prompt => prompt.Meta,
            _ => null,
        };
        return meta is not null && Tools.ToolDefinitionJson.MetaProblem(meta) is { } metaProblem
            ? new(kind, name, []) { NotIJson = metaProblem }
            : new(kind, name, pinned(listed));
    }
}
