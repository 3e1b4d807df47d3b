using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Core.Errors;

namespace Portcullis.Core.Schemas;

/// <summary>
/// The <c>outputSchema</c> agents see for a tool that declares one: the upstream's schema, the gateway's error
/// envelope, or an operator's confirmation. The gateway answers every failure with the envelope in
/// <c>structuredContent</c>; clients that check structured results against the output schema even when <c>isError</c>
/// is true (the MCP Inspector, the TypeScript SDK 1.x) would otherwise refuse the very error that tells the agent what
/// to fix, and would refuse the answer that tells it an operator confirmed its write took effect
/// (<see cref="Idempotency.OperatorConfirmation"/>). The upstream's own results are still checked against the
/// upstream's schema alone (<see cref="Pipeline.Stages.OutputSchemaStage"/>).
/// </summary>
/// <remarks>
/// The result is <c>{"type": "object", "anyOf": [upstream, envelope, confirmation]}</c>: MCP requires an object schema at the root.
/// The upstream's resource keywords (<c>$schema</c>, <c>$id</c>, <c>$vocabulary</c>) and definitions (<c>$defs</c>,
/// <c>definitions</c>) stay at the root, where its references expect them; every other local reference (<c>#</c>,
/// <c>#/properties/…</c>, as System.Text.Json and zod emit) is rewritten to point into the moved schema.
/// </remarks>
internal static class AdvertisedOutputSchema
{
    private const string Branch = "/anyOf/0";

    /// <summary>Keywords that stay at the root: they describe the document, not the instance.</summary>
    private static readonly HashSet<string> RootKeywords = new(StringComparer.Ordinal) { "$schema", "$id", "$vocabulary", "$defs", "definitions" };

    /// <summary>Keywords whose value maps names to schemas.</summary>
    private static readonly HashSet<string> SchemaMaps = new(StringComparer.Ordinal) { "properties", "patternProperties", "$defs", "definitions", "dependentSchemas" };

    /// <summary>Keywords whose value is data, never a schema.</summary>
    private static readonly HashSet<string> DataKeywords = new(StringComparer.Ordinal) { "enum", "const", "default", "examples" };

    public static JsonElement Widen(JsonElement upstream)
    {
        var root = new JsonObject();
        JsonNode? branch;
        if (JsonNode.Parse(upstream.GetRawText()) is JsonObject schema)
        {
            foreach (var keyword in RootKeywords.Where(schema.ContainsKey))
            {
                root[keyword] = schema[keyword]!.DeepClone();
                schema.Remove(keyword);
            }

            RewriteReferences(schema);
            foreach (var keyword in new[] { "$defs", "definitions" }.Where(root.ContainsKey))
            {
                RewriteMap(root[keyword]);
            }

            foreach (var keyword in new[] { "title", "description" }.Where(schema.ContainsKey))
            {
                root[keyword] = schema[keyword]!.DeepClone();
            }

            branch = schema;
        }
        else
        {
            branch = JsonNode.Parse(upstream.GetRawText());
        }

        root["type"] = "object";
        root["anyOf"] = new JsonArray(branch, ErrorEnvelopeSchema.Create(), Idempotency.OperatorConfirmation.Schema());
        return JsonSerializer.SerializeToElement(root, SchemaJsonContext.Default.JsonObject);
    }

    /// <summary>Rewrites the local references of a schema object and its subschemas, not entering embedded resources.</summary>
    private static void RewriteReferences(JsonObject schema)
    {
        foreach (var (keyword, value) in schema.ToList())
        {
            if (keyword is "$ref" or "$dynamicRef" && value is JsonValue reference && reference.TryGetValue<string>(out var target))
            {
                schema[keyword] = Rewrite(target);
            }
            else if (SchemaMaps.Contains(keyword))
            {
                RewriteMap(value);
            }
            else if (!DataKeywords.Contains(keyword))
            {
                RewriteSubschemas(value);
            }
        }
    }

    private static void RewriteMap(JsonNode? map)
    {
        if (map is JsonObject named)
        {
            foreach (var (_, schema) in named)
            {
                RewriteSubschemas(schema);
            }
        }
    }

    private static void RewriteSubschemas(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject schema when !schema.ContainsKey("$id"):
                RewriteReferences(schema);
                break;
            case JsonArray list:
                foreach (var item in list)
                {
                    RewriteSubschemas(item);
                }

                break;
        }
    }

    /// <summary><c>#</c> and pointers into the moved schema gain the branch's prefix; definitions and anchors stay.</summary>
    private static string Rewrite(string reference)
    {
        if (!reference.StartsWith('#'))
        {
            return reference;
        }

        var fragment = reference[1..];
        if (fragment.Length == 0)
        {
            return "#" + Branch;
        }

        if (!fragment.StartsWith('/'))
        {
            return reference;
        }

        var first = Uri.UnescapeDataString(fragment[1..].Split('/')[0]);
        return first is "$defs" or "definitions" ? reference : "#" + Branch + fragment;
    }
}
