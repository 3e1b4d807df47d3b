using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portcullis.Core.Schemas;

/// <summary>
/// Merges a config overlay into an upstream schema so that the result never accepts anything the upstream
/// schema refuses: every upstream keyword stays, either as it was or replaced by a tighter value of the same
/// keyword; a pattern or format that differs from the upstream's is added beside it (<c>allOf</c>), so both
/// apply. An overlay value that would loosen is not applied and is reported as a problem instead.
/// </summary>
internal static class SchemaOverlay
{
    public static OverlayMerge Merge(JsonElement upstream, JsonObject? overlay)
    {
        if (overlay is null || overlay.Count == 0)
        {
            return new OverlayMerge(upstream, []);
        }

        var problems = new List<OverlayProblem>();
        if (JsonNode.Parse(upstream.GetRawText()) is not JsonObject target)
        {
            problems.Add(new OverlayProblem("", "type", "the upstream schema is not an object, so it cannot be tightened"));
            return new OverlayMerge(upstream, problems);
        }

        MergeInto(target, overlay, "", problems);
        return new OverlayMerge(JsonSerializer.SerializeToElement(target, SchemaJsonContext.Default.JsonObject), problems);
    }

    private static void MergeInto(JsonObject target, JsonObject overlay, string at, List<OverlayProblem> problems)
    {
        foreach (var (keyword, value) in overlay)
        {
            if (value is null)
            {
                continue;
            }

            var here = JsonPointers.Append(at, keyword);
            switch (keyword)
            {
                case "properties" when value is JsonObject properties:
                    MergeProperties(target, properties, here, problems);
                    break;
                case "items" when value is JsonObject items:
                    MergeItems(target, items, here, problems);
                    break;
                case "required" when value is JsonArray names:
                    if (target["required"] is not JsonArray required)
                    {
                        required = [];
                        target["required"] = required;
                    }

                    var present = required.Select(n => n?.ToString()).ToHashSet(StringComparer.Ordinal);
                    foreach (var name in names.Select(n => n?.ToString()).Where(n => n is not null && present.Add(n)))
                    {
                        required.Add(name);
                    }

                    break;
                case "additionalProperties":
                    // Closed after every other keyword: whether a property is the upstream's own is judged before.
                    break;
                case "enum" when value is JsonArray values:
                    MergeEnum(target, values, here, problems);
                    break;
                case "type":
                    MergeType(target, value, here, problems);
                    break;
                case "pattern" or "format":
                    AddBeside(target, keyword, value);
                    break;
                default:
                    if (OverlayKeywords.Upper.Contains(keyword) || OverlayKeywords.Lower.Contains(keyword))
                    {
                        MergeBound(target, keyword, value, here, problems);
                    }

                    break;
            }
        }

        if (overlay.ContainsKey("additionalProperties") && overlay["additionalProperties"] is not null)
        {
            target["additionalProperties"] = false;
        }

        // After every keyword of this object, so a "type" written after the enum is judged against the upstream's own.
        if (overlay["enum"] is JsonArray && target["enum"] is JsonArray merged)
        {
            AlignWithEnum(target, merged);
        }
    }

    private static void MergeProperties(JsonObject target, JsonObject properties, string at, List<OverlayProblem> problems)
    {
        var existing = target["properties"] as JsonObject;
        foreach (var (name, sub) in properties)
        {
            if (sub is not JsonObject subOverlay)
            {
                continue;
            }

            var here = JsonPointers.Append(at, name);
            if (existing is not null && existing.TryGetPropertyValue(name, out var declared))
            {
                switch (declared)
                {
                    case JsonObject declaredObject:
                        MergeInto(declaredObject, subOverlay, here, problems);
                        break;
                    case JsonValue v when v.GetValueKind() == JsonValueKind.True:
                        var fresh = new JsonObject();
                        MergeInto(fresh, subOverlay, here, problems);
                        existing[name] = fresh;
                        break;
                    default:
                        // false: nothing is accepted there already.
                        break;
                }

                continue;
            }

            if (target.ContainsKey("additionalProperties") || target.ContainsKey("unevaluatedProperties"))
            {
                // Declaring it would exempt it from additionalProperties: looser, not tighter.
                problems.Add(new OverlayProblem(here, "properties", $"'{name}' is not a property the upstream declares"));
                continue;
            }

            existing ??= [];
            target["properties"] = existing;
            var added = new JsonObject();
            MergeInto(added, subOverlay, here, problems);
            existing[name] = added;
        }
    }

    /// <summary>Tightens every item of an array: the upstream's item schema, or one that accepted anything.</summary>
    private static void MergeItems(JsonObject target, JsonObject overlay, string at, List<OverlayProblem> problems)
    {
        if (target.ContainsKey("prefixItems"))
        {
            // "items" applies only to the items after "prefixItems" (a tuple's): to tighten every item, the overlay goes
            // beside them, in a schema of its own under allOf, where it applies to all.
            var each = new JsonObject();
            MergeInto(each, overlay, at, problems);
            AddToAllOf(target, new JsonObject { ["items"] = each });
            return;
        }

        switch (target["items"])
        {
            case JsonObject declared:
                MergeInto(declared, overlay, at, problems);
                break;
            case null:
            case JsonValue v when v.GetValueKind() == JsonValueKind.True:
                var fresh = new JsonObject();
                MergeInto(fresh, overlay, at, problems);
                target["items"] = fresh;
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.False:
                // No item is accepted already.
                break;
            default:
                problems.Add(new OverlayProblem(at, "items", "the upstream's items is not one schema (draft-07's array form), so its items cannot be tightened"));
                break;
        }
    }

    private static void MergeEnum(JsonObject target, JsonArray values, string at, List<OverlayProblem> problems)
    {
        if (target["enum"] is JsonArray upstream)
        {
            var outside = values.Where(v => !upstream.Any(u => JsonNode.DeepEquals(u, v))).ToList();
            if (outside.Count > 0)
            {
                problems.Add(new OverlayProblem(at, "enum",
                    $"adds {string.Join(", ", outside.Select(v => v?.ToJsonString()))} outside the upstream's enum [{string.Join(", ", upstream.Select(u => u?.ToJsonString()))}]"));
                return;
            }
        }

        target["enum"] = values.DeepClone();
    }

    /// <summary>
    /// Keeps what the schema tells an agent consistent with the enum: a <c>default</c> the enum does not list, or
    /// <c>"null"</c> among the types when no listed value is null (a C# SDK server's optional parameter is
    /// <c>["string", "null"]</c> with <c>default: null</c>), invites a value the gateway refuses. Neither changes what
    /// validates: the enum already refuses it.
    /// </summary>
    private static void AlignWithEnum(JsonObject target, JsonArray values)
    {
        if (target.TryGetPropertyValue("default", out var fallback) && !values.Any(v => JsonNode.DeepEquals(v, fallback)))
        {
            target.Remove("default");
        }

        if (target["type"] is JsonArray types && !values.Any(v => v is null))
        {
            var kept = types.Where(t => t?.ToString() != "null").Select(t => t?.DeepClone()).ToArray();
            if (kept.Length < types.Count && kept.Length > 0)
            {
                target["type"] = kept.Length == 1 ? kept[0] : new JsonArray(kept);
            }
        }
    }

    private static void MergeType(JsonObject target, JsonNode value, string at, List<OverlayProblem> problems)
    {
        var wanted = TypesOf(value);
        if (target["type"] is { } upstreamType)
        {
            var allowed = TypesOf(upstreamType);
            var widened = wanted.Where(t => !allowed.Contains(t) && !(t == "integer" && allowed.Contains("number"))).ToList();
            if (widened.Count > 0)
            {
                problems.Add(new OverlayProblem(at, "type",
                    $"changes the type to {string.Join(", ", widened)}; the upstream accepts only {string.Join(", ", allowed)}"));
                return;
            }
        }

        target["type"] = value.DeepClone();
    }

    private static void MergeBound(JsonObject target, string keyword, JsonNode value, string at, List<OverlayProblem> problems)
    {
        if (target[keyword] is { } notANumber && notANumber.GetValueKind() != JsonValueKind.Number)
        {
            // The upstream's own bound is not a number ("5", true): its schema is not valid, and compiling it says so
            // (the tool alone is withheld). Nothing to compare the overlay with.
            return;
        }

        var wanted = Number(value);
        if (target[keyword] is { } existing && Number(existing) is var current)
        {
            var looser = OverlayKeywords.Upper.Contains(keyword) ? wanted > current : wanted < current;
            if (looser)
            {
                problems.Add(new OverlayProblem(at, keyword,
                    $"widens {keyword} from {Show(current)} to {Show(wanted)}"));
                return;
            }
        }

        target[keyword] = value.DeepClone();
    }

    private static void AddBeside(JsonObject target, string keyword, JsonNode value)
    {
        if (target[keyword] is not { } existing)
        {
            target[keyword] = value.DeepClone();
            return;
        }

        if (JsonNode.DeepEquals(existing, value))
        {
            return;
        }

        AddToAllOf(target, new JsonObject { [keyword] = value.DeepClone() });
    }

    private static void AddToAllOf(JsonObject target, JsonObject schema)
    {
        if (target["allOf"] is not JsonArray allOf)
        {
            allOf = [];
            target["allOf"] = allOf;
        }

        allOf.Add(schema);
    }

    private static List<string> TypesOf(JsonNode node) => node is JsonArray array
        ? array.Select(t => t?.ToString() ?? "").ToList()
        : [node.ToString()];

    internal static double Number(JsonNode node) =>
        double.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);
}
