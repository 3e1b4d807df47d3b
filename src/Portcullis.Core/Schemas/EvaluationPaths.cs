using System.Globalization;
using System.Text.Json;

namespace Portcullis.Core.Schemas;

/// <summary>
/// Where a failing subschema of the library's evaluation output sits, read again from its evaluation path. JsonSchema.Net
/// 8.0.5 reports a value judged by <c>items</c> beside <c>prefixItems</c> at its index among the items after the tuple
/// (<c>["a", 1, "x"]</c> against one <c>prefixItems</c> entry and <c>items: integer</c>: <c>/1</c> for <c>"x"</c>, which
/// is <c>/2</c>), and garbles that subschema's location; its evaluation path is sound, with each <c>items</c> step
/// written twice and each member name escaped twice. Walking that path through the schema gives the value's true
/// pointer and the subschema itself.
/// </summary>
internal static class EvaluationPaths
{
    /// <summary>The steps that judge a child of the value (a member or an item) with the subschema they lead to.</summary>
    private static readonly HashSet<string> ChildSteps = new(StringComparer.Ordinal)
    {
        "additionalProperties", "unevaluatedProperties", "contains", "unevaluatedItems",
    };

    /// <summary>The steps that judge the same value with the subschema they lead to.</summary>
    private static readonly HashSet<string> SameValueSteps = new(StringComparer.Ordinal) { "not", "if", "then", "else" };

    /// <summary>The steps, followed by a name or an index, that judge the same value.</summary>
    private static readonly HashSet<string> SameValueListSteps = new(StringComparer.Ordinal) { "allOf", "anyOf", "oneOf", "dependentSchemas" };

    /// <summary>
    /// The value's true pointer, the failing subschema and the schema that holds it (itself at the root), for the node
    /// at <paramref name="evaluationPath"/> that the library reports at <paramref name="instanceLocation"/>; false when
    /// the path takes a step this walk does not follow (a reference that is not a pointer within its resource, a
    /// keyword it does not know) or does not account for that location, and the library's locations stand.
    /// </summary>
    public static bool TryWalk(JsonElement root, string evaluationPath, string instanceLocation, out string instance, out JsonElement schema, out JsonElement holder)
    {
        instance = instanceLocation;
        schema = holder = root;
        var steps = JsonPointers.Segments(evaluationPath);
        var reported = JsonPointers.Segments(instanceLocation);
        if (steps is null || reported is null)
        {
            return false;
        }

        var resource = root;
        var at = "";
        var consumed = 0;
        for (var i = 0; i < steps.Length; i++)
        {
            if (schema.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            if (schema.TryGetProperty("$id", out _))
            {
                resource = schema;
            }

            var step = steps[i];
            JsonElement next;
            if (step == "items")
            {
                // Written twice by the library; the index it reports counts from the end of the tuple.
                if (i + 1 < steps.Length && steps[i + 1] == "items")
                {
                    i++;
                }

                if (consumed == reported.Length || !JsonPointers.TryIndex(reported[consumed], out var index)
                    || !schema.TryGetProperty("items", out next))
                {
                    return false;
                }

                var tuple = schema.TryGetProperty("prefixItems", out var prefix) && prefix.ValueKind == JsonValueKind.Array ? prefix.GetArrayLength() : 0;
                at = JsonPointers.Append(at, (index + tuple).ToString(CultureInfo.InvariantCulture));
                consumed++;
            }
            else if (step is "properties" or "patternProperties" or "prefixItems")
            {
                if (++i == steps.Length || consumed == reported.Length || !schema.TryGetProperty(step, out var members))
                {
                    return false;
                }

                // The library escapes a member's name in an evaluation path twice ("d/e" as "d~01e").
                var name = step == "prefixItems" ? steps[i] : JsonPointers.Unescape(steps[i]);
                if (!JsonPointers.TryResolve(members, JsonPointers.Append("", name), out next)
                    || (step != "patternProperties" && reported[consumed] != name))
                {
                    return false;
                }

                at = JsonPointers.Append(at, reported[consumed++]);
            }
            else if (ChildSteps.Contains(step))
            {
                if (consumed == reported.Length || !schema.TryGetProperty(step, out next))
                {
                    return false;
                }

                at = JsonPointers.Append(at, reported[consumed++]);
            }
            else if (SameValueSteps.Contains(step))
            {
                if (!schema.TryGetProperty(step, out next))
                {
                    return false;
                }
            }
            else if (SameValueListSteps.Contains(step))
            {
                if (++i == steps.Length || !schema.TryGetProperty(step, out var list)
                    || !JsonPointers.TryResolve(list, JsonPointers.Append("", step == "dependentSchemas" ? JsonPointers.Unescape(steps[i]) : steps[i]), out next))
                {
                    return false;
                }
            }
            else if (step == "$ref")
            {
                // A pointer within the schema's resource ("#", "#/$defs/x"); anything else is not followed here.
                if (!schema.TryGetProperty("$ref", out var reference) || reference.GetString() is not { } target || !target.StartsWith('#')
                    || !JsonPointers.TryWalk(resource, Uri.UnescapeDataString(target[1..]), OutsideResources, out next))
                {
                    return false;
                }
            }
            else
            {
                return false;
            }

            holder = schema;
            schema = next;
        }

        if (consumed != reported.Length)
        {
            return false;
        }

        instance = at;
        return true;
    }

    /// <summary>
    /// A step of a local reference that stays out of embedded resources: a schema with its own <c>$id</c> on the way
    /// (not the one reached) resolves the references under it against itself, which this walk does not follow.
    /// </summary>
    private static bool OutsideResources(string pointer, int parentLength, JsonElement parent, string segment, out JsonElement child)
    {
        child = default;
        if (parentLength > 0 && parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty("$id", out _))
        {
            return false;
        }

        return JsonPointers.TryResolve(parent, JsonPointers.Append("", segment), out child);
    }
}
