using System.Globalization;
using System.Text.Json;
using Json.Schema;
using Portcullis.Core.Errors;

namespace Portcullis.Core.Schemas;

/// <summary>
/// Turns the library's evaluation output into details a model can act on: the JSON Pointer of the offending
/// value, the keyword, and what would be accepted, written from the schema's own values.
/// </summary>
internal static class ViolationMessages
{
    // Keywords whose failure only repeats what their subschemas already reported.
    private static readonly HashSet<string> Containers = new(StringComparer.Ordinal)
    {
        "$ref", "$dynamicRef", "allOf", "properties", "patternProperties", "items", "prefixItems",
        "contains", "dependentSchemas", "then", "else", "unevaluatedItems", "propertyNames",
    };

    /// <summary>The most problems one answer lists; the rest are counted in a last detail.</summary>
    public const int MaxDetails = 100;

    private const string NotFollowedMessage =
        "was not checked: the check spent its time (limits.schema_budget_ms); send a smaller or simpler value";

    /// <summary>
    /// The first detail of a value whose check cut a part off for want of time: whether the schema then passed it (which
    /// a <c>not</c>, an <c>if</c> or a <c>oneOf</c> can do) or failed it, nothing says how the whole check would judge it.
    /// </summary>
    public static readonly ErrorDetail NotCheckedInTime = new("", "budget",
        "could not be checked in full: the check spent its time (limits.pattern_budget_ms, limits.schema_budget_ms); send fewer or simpler values");

    /// <summary>
    /// The details of a value whose verdict spent the check's whole time, so it is not described: the budget's, and
    /// the first subschema cut off, when one was.
    /// </summary>
    public static IReadOnlyList<ErrorDetail> NotCheckedInTimeAt((string Path, string Keyword)? first) =>
        first is { } cut ? [NotCheckedInTime, new ErrorDetail(cut.Path, cut.Keyword, NotFollowedMessage)] : [NotCheckedInTime];

    /// <summary>Results between two readings of the budget's clock while describing them.</summary>
    private const int NodesPerReading = 64;

    /// <remarks>
    /// Describing a result costs more than evaluating it (its place in the schema and in the value is looked up), so a
    /// check cut off for want of time leaves tens of thousands to describe: once <paramref name="budget"/> has no time
    /// left, the rest are neither described nor counted.
    /// </remarks>
    public static IReadOnlyList<ErrorDetail> From(EvaluationResults results, JsonElement schemaRoot, JsonElement instance, CheckBudget budget)
    {
        var details = new List<ErrorDetail>();
        var seen = new HashSet<(string, string, string)>();
        var values = new InstanceIndex(instance);
        var read = 0;
        var outOfTime = false;
        foreach (var node in results.Details ?? [results])
        {
            if (++read % NodesPerReading == 0 && !budget.HasTimeLeft())
            {
                outOfTime = true;
                break;
            }

            if (node.Errors is null)
            {
                continue;
            }

            var at = node.InstanceLocation.ToString();
            var path = node.EvaluationPath.ToString();
            var walked = EvaluationPaths.TryWalk(schemaRoot, path, at, out var trueAt, out var subschema, out var holder);
            if (walked)
            {
                at = trueAt;
            }

            foreach (var (rawKeyword, error) in node.Errors)
            {
                // A false schema reports no keyword; its evaluation path ends with the keyword that led there,
                // and the schema that holds that keyword is one level up.
                var keyword = rawKeyword.Length > 0 ? rawKeyword : FalseSchemaKeyword(path);
                var schema = rawKeyword.Length == 0
                    ? walked ? holder : SchemaAt(schemaRoot, node.SchemaLocation, up: true)
                    : walked ? subschema : SchemaHolding(schemaRoot, node.SchemaLocation, keyword);
                if (error == TimedPatternKeyword.TimeoutError)
                {
                    details.Add(keyword == "patternProperties"
                        ? new ErrorDetail(at, keyword, "a member name could not be checked against the patterns in time; send shorter or simpler names")
                        : new ErrorDetail(at, "pattern", "could not be checked against the pattern in time; send a shorter or simpler value"));
                    continue;
                }

                if (error == TimedPatternKeyword.BudgetSpentError)
                {
                    details.Add(keyword == "patternProperties"
                        ? new ErrorDetail(at, keyword, "a member name was not checked: the call spent its time for pattern checks on other values; send fewer or simpler names")
                        : new ErrorDetail(at, "pattern", "was not checked: the call spent its time for pattern checks on other values; send fewer or simpler values"));
                    continue;
                }

                if (error == BudgetedSubschemaKeywords.BudgetSpentError)
                {
                    details.Add(new ErrorDetail(at, keyword, NotFollowedMessage));
                    continue;
                }

                if (keyword == "contains" && rawKeyword.Length > 0)
                {
                    // Its items' failures are expected (not every item need match), so they say nothing of the count it wants.
                    details.Add(new ErrorDetail(at, keyword, ContainsMessage(schema)));
                    continue;
                }

                if (Containers.Contains(keyword) || (keyword == "additionalProperties" && rawKeyword.Length > 0))
                {
                    continue;
                }

                foreach (var detail in Describe(keyword, at, schema, values))
                {
                    if (seen.Add((detail.Path, detail.Keyword, detail.Message)))
                    {
                        details.Add(detail);
                    }
                }
            }
        }

        if (outOfTime)
        {
            if (details.Count == 0)
            {
                return [NotCheckedInTime];
            }

            details.RemoveRange(Math.Min(details.Count, MaxDetails), details.Count - Math.Min(details.Count, MaxDetails));
            details.Add(new ErrorDetail("", "details",
                "and more problem(s) not listed: the check's time ran out before all were described; fix the ones above first"));
            return details;
        }

        if (details.Count > MaxDetails)
        {
            // The answer stays bounded however many values a request carries.
            var more = details.Count - MaxDetails;
            details.RemoveRange(MaxDetails, more);
            details.Add(new ErrorDetail("", "details", $"and {more} more problem(s) not listed; fix the ones above first"));
        }

        return details.Count > 0 ? details : [new ErrorDetail("", "schema", "does not match the tool's input schema")];
    }

    /// <summary>How many items must match the <c>contains</c> schema, from its <c>minContains</c> and <c>maxContains</c>.</summary>
    private static string ContainsMessage(JsonElement? schema)
    {
        var holder = schema is { ValueKind: JsonValueKind.Object } s ? s : default;
        var min = Bound(holder, "minContains") ?? "1";
        var max = Bound(holder, "maxContains");
        return max is null
            ? $"must hold at least {min} item(s) that match the 'contains' schema"
            : $"must hold between {min} and {max} items that match the 'contains' schema";

        static string? Bound(JsonElement holder, string name) =>
            holder.ValueKind == JsonValueKind.Object && holder.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
                ? value.GetRawText()
                : null;
    }

    private static IEnumerable<ErrorDetail> Describe(string keyword, string at, JsonElement? schema, InstanceIndex values)
    {
        values.TryResolve(at, out var value);
        var parent = schema is { ValueKind: JsonValueKind.Object } s ? s : default;
        var hasValue = parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(keyword, out _);
        var keywordValue = hasValue ? parent.GetProperty(keyword) : default;
        switch (keyword)
        {
            case "required" when hasValue && value.ValueKind == JsonValueKind.Object:
                foreach (var name in keywordValue.EnumerateArray().Select(n => n.GetString()!).Where(n => !value.TryGetProperty(n, out _)))
                {
                    yield return new ErrorDetail(JsonPointers.Append(at, name), "required", "is required");
                }

                yield break;
            case "additionalProperties" or "unevaluatedProperties":
                yield return new ErrorDetail(at, "additionalProperties", AdditionalMessage(at, schema));
                yield break;
            case "false":
                yield return new ErrorDetail(at, "false", "is not allowed here");
                yield break;
        }

        yield return new ErrorDetail(at, keyword, hasValue ? Message(keyword, keywordValue, value) : $"does not satisfy '{keyword}'");
    }

    private static string Message(string keyword, JsonElement rule, JsonElement value) => keyword switch
    {
        "type" => $"must be {TypeList(rule)} (got {Kind(value)})",
        "enum" => "must be one of: " + string.Join(", ", rule.EnumerateArray().Select(JsonPointers.Show)),
        "const" => "must be exactly " + JsonPointers.Show(rule),
        "maxLength" => $"must be at most {rule.GetRawText()} characters long (got {Length(value)})",
        "minLength" => $"must be at least {rule.GetRawText()} characters long (got {Length(value)})",
        "pattern" => $"must match the pattern {rule.GetString()}",
        "format" => $"must be a valid {rule.GetString()}",
        "minimum" => $"must be at least {rule.GetRawText()}",
        "maximum" => $"must be at most {rule.GetRawText()}",
        "exclusiveMinimum" => $"must be greater than {rule.GetRawText()}",
        "exclusiveMaximum" => $"must be less than {rule.GetRawText()}",
        "multipleOf" => $"must be a multiple of {rule.GetRawText()}",
        "maxItems" => $"must have at most {rule.GetRawText()} items",
        "minItems" => $"must have at least {rule.GetRawText()} items",
        "uniqueItems" => "must not contain duplicate items",
        "maxProperties" => $"must have at most {rule.GetRawText()} properties",
        "minProperties" => $"must have at least {rule.GetRawText()} properties",
        "anyOf" => "must match at least one of the allowed shapes",
        "oneOf" => "must match exactly one of the allowed shapes",
        "not" => "matches a shape that is not allowed",
        "dependentRequired" => "is missing properties that other properties require",
        _ => $"does not satisfy '{keyword}'",
    };

    private static string AdditionalMessage(string at, JsonElement? objectSchema)
    {
        var accepted = objectSchema is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("properties", out var properties)
            && properties.ValueKind == JsonValueKind.Object
            ? properties.EnumerateObject().Select(p => p.Name).ToList()
            : [];
        var name = at[(at.LastIndexOf('/') + 1)..];
        return accepted.Count > 0
            ? $"'{name}' is not an accepted property; accepted: {string.Join(", ", accepted)}"
            : $"'{name}' is not an accepted property";
    }

    private static string TypeList(JsonElement rule) => rule.ValueKind == JsonValueKind.Array
        ? "one of: " + string.Join(", ", rule.EnumerateArray().Select(t => Article(t.GetString()!)))
        : Article(rule.GetString() ?? "");

    private static string Article(string type) => type switch
    {
        "object" or "array" or "integer" => "an " + type,
        "null" => "null",
        _ => "a " + type,
    };

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => value.TryGetInt64(out _) ? "an integer" : "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Length(JsonElement value) => value.ValueKind == JsonValueKind.String
        ? value.GetString()!.EnumerateRunes().Count().ToString(CultureInfo.InvariantCulture)
        : "?";

    // The library's location for a keyword under "items" carries a spurious last segment (8.0.5); if the
    // location does not hold the keyword, its parent does.
    private static JsonElement? SchemaHolding(JsonElement root, Uri location, string keyword)
    {
        foreach (var up in new[] { false, true })
        {
            if (SchemaAt(root, location, up) is { ValueKind: JsonValueKind.Object } candidate && candidate.TryGetProperty(keyword, out _))
            {
                return candidate;
            }
        }

        return SchemaAt(root, location, up: false);
    }

    private static JsonElement? SchemaAt(JsonElement root, Uri location, bool up)
    {
        var fragment = Uri.UnescapeDataString(location.Fragment.TrimStart('#'));
        if (up && fragment.Length > 0)
        {
            fragment = fragment[..fragment.LastIndexOf('/')];
        }

        return JsonPointers.TryResolve(root, fragment, out var found) ? found : null;
    }

    /// <summary>The keyword that led to a false schema: its path's last step, unless that step is a name or an index under another keyword.</summary>
    private static string FalseSchemaKeyword(string path)
    {
        var steps = JsonPointers.Segments(path) ?? [];
        var named = steps.Length > 1 && steps[^2] is "properties" or "patternProperties" or "dependentSchemas" or "prefixItems" or "allOf" or "anyOf" or "oneOf";
        return named || steps.Length == 0 ? "false" : steps[^1] switch
        {
            "additionalProperties" => "additionalProperties",
            "unevaluatedProperties" => "unevaluatedProperties",
            _ => "false",
        };
    }
}
