using System.Globalization;
using System.Text.Json;
using Portcullis.Core.Schemas;

namespace Portcullis.Core.Configuration;

/// <summary>
/// Finds the part of the config schema that describes one place in a config, following <c>properties</c>,
/// <c>additionalProperties</c>, <c>items</c> and local <c>$ref</c>s, which are all the config schema uses.
/// </summary>
internal static class SchemaNavigator
{
    public static JsonElement? At(JsonElement schemaRoot, JsonElement config, string pointer)
    {
        var schema = Follow(schemaRoot, schemaRoot);
        var instance = config;
        foreach (var raw in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var segment = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            JsonElement next;
            if (instance.ValueKind == JsonValueKind.Array)
            {
                if (!schema.TryGetProperty("items", out next) || next.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }

                if (!int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= instance.GetArrayLength())
                {
                    return null;
                }

                instance = instance[index];
            }
            else if (instance.ValueKind == JsonValueKind.Object)
            {
                if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
                    && properties.TryGetProperty(segment, out next))
                {
                }
                else if (!schema.TryGetProperty("additionalProperties", out next) || next.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }

                if (!instance.TryGetProperty(segment, out instance))
                {
                    return null;
                }
            }
            else
            {
                return null;
            }

            schema = Follow(schemaRoot, next);
        }

        return schema;
    }

    private static JsonElement Follow(JsonElement root, JsonElement schema)
    {
        for (var hops = 0; hops < 16 && schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference); hops++)
        {
            var target = reference.GetString() ?? "";
            if (!target.StartsWith("#/", StringComparison.Ordinal) || !JsonPointers.TryResolve(root, target[1..], out var resolved))
            {
                break;
            }

            schema = resolved;
        }

        return schema;
    }
}
