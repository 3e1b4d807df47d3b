using System.Globalization;
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

    public bool TryResolve(string pointer, out JsonElement found)
    {
        found = root;
        if (pointer.Length == 0)
        {
            return true;
        }

        if (!pointer.StartsWith('/'))
        {
            return false;
        }

        var end = 0;
        while (end < pointer.Length)
        {
            var start = end + 1;
            var next = pointer.IndexOf('/', start);
            end = next < 0 ? pointer.Length : next;
            var at = pointer[..(start - 1)];
            var segment = JsonPointers.Unescape(pointer[start..end]);
            if (found.ValueKind == JsonValueKind.Object && Members(at, found).TryGetValue(segment, out var child))
            {
                found = child;
            }
            else if (found.ValueKind == JsonValueKind.Array
                && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                && Items(at, found) is var items && index < items.Count)
            {
                found = items[index];
            }
            else
            {
                return false;
            }
        }

        return true;
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
