using System.Text.Json;

namespace Portcullis.Core.Schemas;

/// <summary>
/// Resolves JSON Pointers into one instance, many times: each object or array on the way is indexed once, the first
/// time a pointer passes through it. A <see cref="JsonElement"/> finds a member by scanning its object, so resolving
/// one pointer per violation made an object of n offending members cost n² (40,000 undeclared arguments: 3.5 s).
/// </summary>
internal sealed class InstanceIndex(JsonElement root)
{
    private readonly Dictionary<string, Dictionary<string, JsonElement>> _objects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<JsonElement>> _arrays = new(StringComparer.Ordinal);
    private JsonPointers.Step? _step;

    public bool TryResolve(string pointer, out JsonElement found) => JsonPointers.TryWalk(root, pointer, _step ??= Child, out found);

    private bool Child(string pointer, int parentLength, JsonElement parent, string segment, out JsonElement child)
    {
        child = default;
        switch (parent.ValueKind)
        {
            case JsonValueKind.Object:
                return Members(pointer[..parentLength], parent).TryGetValue(segment, out child);
            case JsonValueKind.Array when JsonPointers.TryIndex(segment, out var index) && Items(pointer[..parentLength], parent) is var items && index < items.Count:
                child = items[index];
                return true;
            default:
                return false;
        }
    }

    private Dictionary<string, JsonElement> Members(string at, JsonElement value)
    {
        if (!_objects.TryGetValue(at, out var members))
        {
            members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var property in value.EnumerateObject())
            {
                // As JsonElement.TryGetProperty: the last of a repeated name (which the transport refuses anyway).
                members[property.Name] = property.Value;
            }

            _objects[at] = members;
        }

        return members;
    }

    private List<JsonElement> Items(string at, JsonElement value)
    {
        if (!_arrays.TryGetValue(at, out var items))
        {
            items = [.. value.EnumerateArray()];
            _arrays[at] = items;
        }

        return items;
    }
}
