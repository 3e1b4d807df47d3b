using System.Text.Json;

namespace Portcullis.Core.Schemas;

/// <summary>Finds <c>$ref</c>s that do not point inside the schema document itself, and measures what following them costs.</summary>
internal static class SchemaReferences
{
    /// <summary>
    /// How many subschemas checking one value against <paramref name="root"/> may visit, each local reference followed
    /// to its target (so a target reached by two references counts twice), counted until past <paramref name="limit"/>.
    /// References that chain two ways at each step make it grow twice over per step: 24 steps are 16 million
    /// subschemas for every call. A reference back to a schema it is inside (a tree's node) counts once: each turn
    /// goes one level deeper into the value, which bounds it.
    /// </summary>
    public static long Expansion(JsonElement root, long limit)
    {
        var anchors = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        Collect(root, anchors, []);
        return new ExpansionCounter(root, anchors, limit).Count(root);
    }

    private sealed class ExpansionCounter(JsonElement root, Dictionary<string, JsonElement> anchors, long limit)
    {
        private readonly Dictionary<string, long> _targets = new(StringComparer.Ordinal);
        private readonly HashSet<string> _following = new(StringComparer.Ordinal);

        public long Count(JsonElement element)
        {
            long total = 0;
            if (element.ValueKind == JsonValueKind.Object)
            {
                total = 1;
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name is "enum" or "const" or "default" or "examples")
                    {
                        continue;
                    }

                    total += property.Name is "$ref" or "$dynamicRef" && property.Value.ValueKind == JsonValueKind.String
                        ? Follow(property.Value.GetString()!)
                        : Count(property.Value);
                    if (total > limit)
                    {
                        return total;
                    }
                }
            }
            else if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                {
                    total += Count(item);
                    if (total > limit)
                    {
                        return total;
                    }
                }
            }

            return total;
        }

        private long Follow(string reference)
        {
            var fragment = reference.StartsWith('#') ? Uri.UnescapeDataString(reference[1..]) : null;
            if (fragment is null || !_following.Add(fragment))
            {
                // Not local (refused before this is asked), or a turn of a recursion.
                return 1;
            }

            try
            {
                if (_targets.TryGetValue(fragment, out var known))
                {
                    return known;
                }

                var target = fragment.Length == 0 ? root
                    : fragment.StartsWith('/') ? (JsonPointers.TryResolve(root, fragment, out var found) ? found : default)
                    : anchors.GetValueOrDefault(fragment);
                var count = target.ValueKind == JsonValueKind.Undefined ? 1 : Count(target);
                _targets[fragment] = count;
                return count;
            }
            finally
            {
                _following.Remove(fragment);
            }
        }
    }

    /// <summary>The first reference that is not a local pointer or anchor present in the document, if any.</summary>
    public static string? FindUnresolvable(JsonElement root)
    {
        var anchors = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var references = new List<string>();
        Collect(root, anchors, references);
        foreach (var reference in references)
        {
            if (!Resolves(root, reference, anchors))
            {
                return reference;
            }
        }

        return null;
    }

    private static bool Resolves(JsonElement root, string reference, Dictionary<string, JsonElement> anchors)
    {
        if (!reference.StartsWith('#'))
        {
            return false;
        }

        var fragment = Uri.UnescapeDataString(reference[1..]);
        if (fragment.Length == 0)
        {
            return true;
        }

        return fragment.StartsWith('/') ? JsonPointers.TryResolve(root, fragment, out _) : anchors.ContainsKey(fragment);
    }

    /// <summary>Every anchor with the schema that names it (the first of a name), and every reference, in <paramref name="element"/>.</summary>
    private static void Collect(JsonElement element, Dictionary<string, JsonElement> anchors, List<string> references)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.String
                        && property.Name is "$ref" or "$dynamicRef" or "$anchor" or "$dynamicAnchor")
                    {
                        if (property.Name is "$anchor" or "$dynamicAnchor")
                        {
                            anchors.TryAdd(property.Value.GetString()!, element);
                        }
                        else
                        {
                            references.Add(property.Value.GetString()!);
                        }
                    }
                    else if (property.Name is not ("enum" or "const" or "default" or "examples"))
                    {
                        Collect(property.Value, anchors, references);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, anchors, references);
                }

                break;
        }
    }
}
