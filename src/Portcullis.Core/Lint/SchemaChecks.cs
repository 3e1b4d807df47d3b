using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Core.Configuration;
using Portcullis.Core.Idempotency;

namespace Portcullis.Core.Lint;

/// <summary>
/// Step 3 of the article, on the schema agents actually see (the upstream's, tightened by the config): every
/// string bounded, no undeclared arguments.
/// </summary>
internal static class SchemaChecks
{
    private static readonly string[] StringBounds = ["maxLength", "enum", "const", "pattern", "format"];

    public static IEnumerable<LintFinding> Run(LintContext context)
    {
        foreach (var connector in context.Connectors)
        {
            foreach (var tool in connector.Tools)
            {
                if (tool.Exposed is not { } exposed)
                {
                    continue;
                }

                var findings = new List<LintFinding>();
                Walk(connector, tool.Name, exposed.Exposed.InputSchema, connector.ToolPath(tool.Name) + ".input_schema", [], findings);
                foreach (var finding in findings)
                {
                    yield return finding;
                }
            }
        }
    }

    // overlay: the property names leading here while an input_schema overlay can still reach this place, else null.
    private static void Walk(LintConnector connector, string tool, JsonElement schema, string path, List<string>? overlay, List<LintFinding> findings)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var argument = overlay is { Count: > 0 } ? overlay[^1] : null;
        if (Accepts(schema, "string") && !Has(schema, StringBounds) && !(overlay is [IdempotencyKeySchema.PropertyName]))
        {
            findings.Add(connector.Finding(LintRules.StringUnbounded, path,
                $"string argument '{argument ?? path}' of '{tool}' has no maxLength, enum, pattern or format: the model may send any text "
                + "(bounded only by limits.max_string_length)", tool) with
            {
                Fix = "Bound it in the tool's input_schema overlay: an enum for a closed set, a pattern or format for identifiers, else a maxLength.",
                Snippet = overlay is null ? null : Nest(overlay, new JsonObject { ["maxLength"] = 256 }),
                SnippetAt = overlay is null ? null : connector.ToolPath(tool) + ".input_schema",
            });
        }

        if ((Accepts(schema, "object") || schema.TryGetProperty("properties", out _)) && !Closed(schema))
        {
            findings.Add(connector.Finding(LintRules.AdditionalPropertiesOpen, path,
                $"'{tool}' accepts {(argument is null ? "arguments" : $"keys in '{argument}'")} its schema does not declare: "
                + "whatever the model invents reaches the upstream", tool) with
            {
                Fix = "Close the object in the tool's input_schema overlay.",
                Snippet = overlay is null ? null : Nest(overlay, new JsonObject { ["additionalProperties"] = false }),
                SnippetAt = overlay is null ? null : connector.ToolPath(tool) + ".input_schema",
            });
        }

        if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                Walk(connector, tool, property.Value, ConfigPaths.Property(path + ".properties", property.Name), overlay is null ? null : [.. overlay, property.Name], findings);
            }
        }

        foreach (var keyword in new[] { "items", "additionalProperties" })
        {
            if (schema.TryGetProperty(keyword, out var child))
            {
                Walk(connector, tool, child, path + "." + keyword, null, findings);
            }
        }

        foreach (var keyword in new[] { "prefixItems", "anyOf", "oneOf" })
        {
            if (schema.TryGetProperty(keyword, out var children) && children.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var child in children.EnumerateArray())
                {
                    Walk(connector, tool, child, ConfigPaths.Index(path + "." + keyword, i++), null, findings);
                }
            }
        }

        if (schema.TryGetProperty("$defs", out var definitions) && definitions.ValueKind == JsonValueKind.Object)
        {
            foreach (var definition in definitions.EnumerateObject())
            {
                Walk(connector, tool, definition.Value, ConfigPaths.Property(path + ".$defs", definition.Name), null, findings);
            }
        }
    }

    private static bool Accepts(JsonElement schema, string type) =>
        schema.TryGetProperty("type", out var declared) && declared.ValueKind switch
        {
            JsonValueKind.String => declared.GetString() == type,
            JsonValueKind.Array => declared.EnumerateArray().Any(t => t.ValueKind == JsonValueKind.String && t.GetString() == type),
            _ => false,
        };

    /// <summary>Whether the schema, or a subschema every value must also pass (<c>allOf</c>), has one of the keywords.</summary>
    private static bool Has(JsonElement schema, string[] keywords) =>
        keywords.Any(k => schema.TryGetProperty(k, out _))
        || (schema.TryGetProperty("allOf", out var all) && all.ValueKind == JsonValueKind.Array
            && all.EnumerateArray().Any(s => s.ValueKind == JsonValueKind.Object && Has(s, keywords)));

    private static bool Closed(JsonElement schema) =>
        IsFalse(schema, "additionalProperties") || IsFalse(schema, "unevaluatedProperties")
        || (schema.TryGetProperty("allOf", out var all) && all.ValueKind == JsonValueKind.Array
            && all.EnumerateArray().Any(s => s.ValueKind == JsonValueKind.Object && Closed(s)));

    private static bool IsFalse(JsonElement schema, string keyword) =>
        schema.TryGetProperty(keyword, out var value) && value.ValueKind == JsonValueKind.False;

    /// <summary><c>{"properties": {"a": {"properties": {"b": leaf}}}}</c> for the names a, b.</summary>
    private static JsonObject Nest(List<string> names, JsonObject leaf)
    {
        var node = leaf;
        for (var i = names.Count - 1; i >= 0; i--)
        {
            node = new JsonObject { ["properties"] = new JsonObject { [names[i]] = node } };
        }

        return node;
    }
}
