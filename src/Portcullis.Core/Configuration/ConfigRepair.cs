using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portcullis.Core.Configuration;

/// <summary>
/// Reads a config whose values may have the wrong types: each value the serializer cannot read is removed (the
/// nearest enclosing key, so array indexes elsewhere keep their meaning) and reading starts again, so the
/// semantic checks still see everything else.
/// </summary>
internal static class ConfigRepair
{
    private const int MaxRepairs = 256;

    /// <summary>The config as read, and the JSON paths of the keys that had to be left out.</summary>
    public static (GatewayConfig? Config, IReadOnlyList<string> Removed) Read(JsonNode root)
    {
        var removed = new List<string>();
        for (var attempt = 0; attempt <= MaxRepairs; attempt++)
        {
            try
            {
                return (root.Deserialize<GatewayConfig>(ConfigJson.Options), removed);
            }
            catch (JsonException ex)
            {
                if (Remove(root, ex.Path) is not { } path)
                {
                    return (null, removed);
                }

                removed.Add(path);
            }
        }

        return (null, removed);
    }

    /// <summary>Removes the key that holds the value at <paramref name="path"/>; returns that key's path.</summary>
    private static string? Remove(JsonNode root, string? path)
    {
        var segments = ConfigPaths.Segments(path);
        if (segments is null || segments.Count == 0)
        {
            return null;
        }

        // The last segment that names a property: remove it from its object.
        var last = -1;
        for (var i = 0; i < segments.Count; i++)
        {
            if (segments[i] is string)
            {
                last = i;
            }
        }

        if (last < 0)
        {
            return null;
        }

        JsonNode? parent = root;
        var parentPath = "$";
        for (var i = 0; i < last && parent is not null; i++)
        {
            (parent, parentPath) = segments[i] switch
            {
                string name => (parent is JsonObject o ? o[name] : null, ConfigPaths.Property(parentPath, name)),
                int index => (parent is JsonArray a && index < a.Count ? a[index] : null, ConfigPaths.Index(parentPath, index)),
                _ => (null, parentPath),
            };
        }

        var key = (string)segments[last];
        return parent is JsonObject owner && owner.Remove(key) ? ConfigPaths.Property(parentPath, key) : null;
    }
}
