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
    /// <param name="root">The config's JSON, changed where values are left out.</param>
    /// <param name="schemaErrors">What the schema refused: a <c>null</c> it refused is left out before reading.</param>
    public static (GatewayConfig? Config, IReadOnlyList<string> Removed) Read(JsonNode root, IEnumerable<ConfigError> schemaErrors)
    {
        var removed = RemoveNulls(root, schemaErrors);
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

    /// <summary>
    /// Removes each <c>null</c> the schema refused, as a value of the wrong type is: the serializer reads <c>null</c>
    /// without complaint, and the checks that follow would meet a null where the config's types promise none.
    /// </summary>
    private static List<string> RemoveNulls(JsonNode root, IEnumerable<ConfigError> schemaErrors)
    {
        var removed = new List<string>();
        foreach (var error in schemaErrors)
        {
            if (IsNull(root, error.Path) && Remove(root, error.Path) is { } path)
            {
                removed.Add(path);
            }
        }

        return removed;
    }

    /// <summary>Whether <paramref name="path"/> names a member or element present in the JSON with the value <c>null</c>.</summary>
    private static bool IsNull(JsonNode root, string path)
    {
        if (ConfigPaths.Segments(path) is not { Count: > 0 } segments)
        {
            return false;
        }

        JsonNode? node = root;
        for (var i = 0; i < segments.Count; i++)
        {
            var last = i == segments.Count - 1;
            switch (segments[i])
            {
                case string name when node is JsonObject o && o.TryGetPropertyValue(name, out var value):
                    if (last)
                    {
                        return value is null;
                    }

                    node = value;
                    break;
                case int index when node is JsonArray a && index < a.Count:
                    if (last)
                    {
                        return a[index] is null;
                    }

                    node = a[index];
                    break;
                default:
                    return false;
            }
        }

        return false;
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
