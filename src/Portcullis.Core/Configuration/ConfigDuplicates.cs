using System.Text.Json;

namespace Portcullis.Core.Configuration;

/// <summary>
/// A key written twice in one object of the config: JSON parsers disagree on which value counts (the gateway's took the
/// last, a reviewer or a diff reads the first), so <c>"mode": "oauth", "mode": "none"</c> could open a connector
/// unnoticed. Each repeat is an error at its path.
/// </summary>
internal static class ConfigDuplicates
{
    public static IEnumerable<ConfigError> Find(JsonElement element, string path = "$")
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    var at = ConfigPaths.Property(path, property.Name);
                    if (!seen.Add(property.Name))
                    {
                        yield return new ConfigError(at, "is written twice in the same object; keep one (parsers disagree on which counts)");
                        continue;
                    }

                    foreach (var error in Find(property.Value, at))
                    {
                        yield return error;
                    }
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var error in Find(item, ConfigPaths.Index(path, index++)))
                    {
                        yield return error;
                    }
                }

                break;
        }
    }
}
