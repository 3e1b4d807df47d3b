using System.Text.Json;

namespace Portcullis.Core.Schemas;

/// <summary>Finds <c>$ref</c>s that do not point inside the schema document itself.</summary>
internal static class SchemaReferences
{
    /// <summary>The first reference that is not a local pointer or anchor present in the document, if any.</summary>
    public static string? FindUnresolvable(JsonElement root)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
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

    private static bool Resolves(JsonElement root, string reference, HashSet<string> anchors)
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

        return fragment.StartsWith('/') ? JsonPointers.TryResolve(root, fragment, out _) : anchors.Contains(fragment);
    }

    private static void Collect(JsonElement element, HashSet<string> anchors, List<string> references)
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
                            anchors.Add(property.Value.GetString()!);
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
