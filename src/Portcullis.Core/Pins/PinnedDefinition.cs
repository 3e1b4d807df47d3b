using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Pins;

/// <summary>
/// What a pin covers of a tool: everything the upstream tells the model or the gateway acts on — name,
/// description, input and output schemas, annotations — exactly as the upstream sent them.
/// </summary>
internal static class PinnedDefinition
{
    public static readonly IReadOnlyList<string> Fields = ["name", "description", "inputSchema", "outputSchema", "annotations"];

    public static JsonObject From(Tool tool)
    {
        var whole = JsonSerializer.SerializeToNode(tool, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Tool))) as JsonObject ?? [];
        var definition = new JsonObject();
        foreach (var field in Fields)
        {
            if (whole[field] is { } value)
            {
                definition[field] = value.DeepClone();
            }
        }

        return definition;
    }

    /// <summary>The fields in which two definitions differ, in the order of <see cref="Fields"/>.</summary>
    public static IReadOnlyList<string> Differences(JsonObject pinned, JsonObject live) =>
        [.. Fields.Where(f => !JsonNode.DeepEquals(pinned[f], live[f]))
            .Concat(pinned.Select(p => p.Key).Concat(live.Select(p => p.Key)).Distinct(StringComparer.Ordinal)
                .Where(k => !Fields.Contains(k) && !JsonNode.DeepEquals(pinned[k], live[k])))];
}
