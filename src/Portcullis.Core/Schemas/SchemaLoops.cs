using System.Collections.Frozen;
using System.Text.Json;
using Json.Schema;

namespace Portcullis.Core.Schemas;

/// <summary>
/// Finds a loop of subschemas that all apply to the same value (<c>$ref</c>, <c>allOf</c>, <c>anyOf</c>, <c>oneOf</c>,
/// <c>not</c>, <c>if</c>/<c>then</c>/<c>else</c>, <c>dependentSchemas</c>…) with nothing on it that moves into the value
/// (<c>properties</c>, <c>items</c>…), such as <c>{"allOf": [{"$ref": "#"}]}</c>. Checking any value against such a
/// schema never ends: the library recurses until the stack overflows, which .NET cannot catch, and the process ends.
/// A loop through <c>properties</c> or <c>items</c> (a tree) ends with the value, whose depth the transport bounds.
/// </summary>
/// <remarks>
/// Looked for in the schema as the library built it, where each <c>$ref</c> points to the subschema it resolved
/// (<c>$id</c> scopes included), so the loop found is the one evaluation would run. A <c>$dynamicRef</c> (or
/// <c>$recursiveRef</c>) is resolved only while checking, so it is taken to lead to every subschema it could.
/// </remarks>
internal static class SchemaLoops
{
    /// <summary>Keywords whose subschemas apply to a part of the value (a member, an item, a name), never to the value itself.</summary>
    private static readonly FrozenSet<string> Descending = FrozenSet.Create(StringComparer.Ordinal,
        "properties", "patternProperties", "additionalProperties", "items", "prefixItems", "additionalItems", "contains",
        "unevaluatedItems", "unevaluatedProperties", "propertyNames", "contentSchema");

    /// <summary>Keywords whose subschemas are applied only where a reference points to them.</summary>
    private static readonly FrozenSet<string> NotApplied = FrozenSet.Create(StringComparer.Ordinal, "$defs", "definitions");

    /// <summary>Why checking a value against <paramref name="schema"/> would never end, or null when it ends.</summary>
    public static string? Find(JsonSchema schema)
    {
        var nodes = Nodes(schema.Root);
        var edges = new Dictionary<JsonSchemaNode, List<JsonSchemaNode>>(ReferenceEqualityComparer.Instance);
        foreach (var node in nodes)
        {
            var same = new List<JsonSchemaNode>();
            foreach (var keyword in node.Keywords)
            {
                var name = keyword.Handler.Name;
                if (Descending.Contains(name) || NotApplied.Contains(name))
                {
                    continue;
                }

                if (name is "$dynamicRef" or "$recursiveRef")
                {
                    if (DynamicTargets(name, keyword.RawValue, nodes, schema.Root) is not { } targets)
                    {
                        return $"the {name} at '{Location(node)}' is not a plain anchor ('#name'), so where it leads cannot be told before checking a value";
                    }

                    same.AddRange(targets);
                    continue;
                }

                same.AddRange(keyword.Subschemas ?? []);
            }

            edges[node] = same;
        }

        return FindCycle(nodes, edges) is { } looped
            ? $"the subschema at '{Location(looped)}' applies itself to the same value again through references, with nothing between that moves into the value: checking any value would never end"
            : null;
    }

    /// <summary>Every subschema reachable from <paramref name="root"/>, references followed.</summary>
    private static List<JsonSchemaNode> Nodes(JsonSchemaNode root)
    {
        var seen = new HashSet<JsonSchemaNode>(ReferenceEqualityComparer.Instance) { root };
        var order = new List<JsonSchemaNode>();
        var pending = new Stack<JsonSchemaNode>([root]);
        while (pending.TryPop(out var node))
        {
            order.Add(node);
            foreach (var keyword in node.Keywords)
            {
                foreach (var sub in keyword.Subschemas ?? [])
                {
                    if (seen.Add(sub))
                    {
                        pending.Push(sub);
                    }
                }
            }
        }

        return order;
    }

    /// <summary>Where a dynamic reference may lead: every subschema that may answer it; null when that cannot be told.</summary>
    private static List<JsonSchemaNode>? DynamicTargets(string keyword, JsonElement value, List<JsonSchemaNode> nodes, JsonSchemaNode root)
    {
        if (keyword == "$recursiveRef")
        {
            // "#": the resource it is in, or the outermost one with $recursiveAnchor.
            return [root, .. nodes.Where(n => n.Keywords.Any(k => k.Handler.Name is "$id" or "$recursiveAnchor"))];
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
        var hash = text.IndexOf('#', StringComparison.Ordinal);
        // Decoded as the reference is resolved ("#%6D" names the anchor "m").
        var anchor = hash < 0 ? "" : Uri.UnescapeDataString(text[(hash + 1)..]);
        if (anchor.Length == 0 || anchor.Contains('/', StringComparison.Ordinal))
        {
            return null;
        }

        List<JsonSchemaNode> targets = [.. nodes.Where(n => n.Keywords.Any(k => k.Handler.Name is "$anchor" or "$dynamicAnchor"
            && k.RawValue.ValueKind == JsonValueKind.String && k.RawValue.GetString() == anchor))];

        // None found, though the reference resolves: it is read some way not foreseen here, so where it leads is not known.
        return targets.Count == 0 ? null : targets;
    }

    /// <summary>A subschema on a cycle of <paramref name="edges"/>, or null (depth-first, without recursion: chains can be long).</summary>
    private static JsonSchemaNode? FindCycle(List<JsonSchemaNode> nodes, Dictionary<JsonSchemaNode, List<JsonSchemaNode>> edges)
    {
        var state = new Dictionary<JsonSchemaNode, bool>(ReferenceEqualityComparer.Instance); // false: on the path; true: done
        foreach (var start in nodes)
        {
            if (state.ContainsKey(start))
            {
                continue;
            }

            var path = new Stack<(JsonSchemaNode Node, int Next)>();
            path.Push((start, 0));
            state[start] = false;
            while (path.TryPop(out var frame))
            {
                var next = edges[frame.Node];
                if (frame.Next == next.Count)
                {
                    state[frame.Node] = true;
                    continue;
                }

                path.Push((frame.Node, frame.Next + 1));
                var target = next[frame.Next];
                if (!state.TryGetValue(target, out var done))
                {
                    state[target] = false;
                    path.Push((target, 0));
                }
                else if (!done)
                {
                    return target;
                }
            }
        }

        return null;
    }

    private static string Location(JsonSchemaNode node)
    {
        var path = node.RelativePath.ToString();
        return path.Length == 0 ? "#" : "#" + path;
    }
}
