using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portcullis.Core.Configuration;

/// <summary>The config's JSON as a tree that can be changed, a key written twice holding its last value.</summary>
/// <remarks>
/// <see cref="JsonNode.Parse(string, JsonNodeOptions?, JsonDocumentOptions)"/> keeps both copies of a key written twice
/// (reported by <see cref="ConfigText"/>) until an object is first looked into, and then throws: leaving out a
/// value of the wrong type beside such a key crashed the reading of the config. The serializer takes the last copy, so
/// this tree does too.
/// </remarks>
internal static class ConfigNodes
{
    /// <summary>The tree of <paramref name="element"/>, which must outlive it (a clone, not an element of a document to be disposed).</summary>
    public static JsonNode? From(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var members = new JsonObject();
                foreach (var member in element.EnumerateObject())
                {
                    members[member.Name] = From(member.Value);
                }

                return members;
            case JsonValueKind.Array:
                var items = new JsonArray();
                foreach (var item in element.EnumerateArray())
                {
                    items.Add(From(item));
                }

                return items;
            case JsonValueKind.Null:
                return null;
            default:
                return JsonValue.Create(element);
        }
    }
}
