using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Pins;

/// <summary>
/// What a pin covers: everything the upstream tells the model or the gateway acts on, exactly as the upstream sent it.
/// For a tool everything the gateway passes on of it: its name, title, description, input and output schemas,
/// annotations, icons and <c>_meta</c>; for a resource, template or prompt likewise everything the gateway passes on of it
/// (its icons and <c>_meta</c> too), without what changes with the content (a resource's size, its <c>lastModified</c>).
/// </summary>
internal static class PinnedDefinition
{
    public static readonly IReadOnlyList<string> Fields = ["name", "title", "description", "inputSchema", "outputSchema", "annotations", "icons", "_meta"];

    private static readonly IReadOnlyList<string> ResourceFields = ["uri", "name", "title", "description", "mimeType", "annotations", "icons", "_meta"];

    private static readonly IReadOnlyList<string> TemplateFields = ["uriTemplate", "name", "title", "description", "mimeType", "annotations", "icons", "_meta"];

    private static readonly IReadOnlyList<string> PromptFields = ["name", "title", "description", "arguments", "icons", "_meta"];

    public static JsonObject From(Tool tool) => Pick(tool, Fields);

    public static JsonObject From(Resource resource) => WithoutLastModified(Pick(resource, ResourceFields));

    public static JsonObject From(ResourceTemplate template) => WithoutLastModified(Pick(template, TemplateFields));

    public static JsonObject From(Prompt prompt) => Pick(prompt, PromptFields);

    /// <summary>The fields in which two definitions differ: the known fields first, in order, then any other.</summary>
    public static IReadOnlyList<string> Differences(JsonObject pinned, JsonObject live)
    {
        var known = Fields.Concat(ResourceFields).Concat(TemplateFields).Concat(PromptFields).Distinct(StringComparer.Ordinal).ToList();
        var keys = pinned.Select(p => p.Key).Concat(live.Select(p => p.Key)).Distinct(StringComparer.Ordinal)
            .OrderBy(k => known.IndexOf(k) is var i && i >= 0 ? i : int.MaxValue).ThenBy(k => k, StringComparer.Ordinal);
        return [.. keys.Where(k => !JsonNode.DeepEquals(pinned[k], live[k]))];
    }

    private static JsonObject Pick<T>(T value, IReadOnlyList<string> fields)
    {
        var whole = JsonSerializer.SerializeToNode(value, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(T))) as JsonObject ?? [];
        var definition = new JsonObject();
        foreach (var field in fields)
        {
            if (whole[field] is { } node)
            {
                definition[field] = node.DeepClone();
            }
        }

        return definition;
    }

    private static JsonObject WithoutLastModified(JsonObject definition)
    {
        if (definition["annotations"] is JsonObject annotations)
        {
            annotations.Remove("lastModified");
            if (annotations.Count == 0)
            {
                definition.Remove("annotations");
            }
        }

        return definition;
    }
}
