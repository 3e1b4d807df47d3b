using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.Schemas;

/// <summary>
/// Checks what can be checked about an overlay without the upstream: only supported keywords, values of the
/// right shape, patterns that compile. Whether it loosens the upstream's schema is known only once the
/// upstream's tool list is (see <see cref="SchemaOverlay"/>).
/// </summary>
internal static class OverlayShape
{
    public static IEnumerable<ConfigError> Check(JsonObject overlay, string at)
    {
        foreach (var (keyword, value) in overlay)
        {
            var here = $"{at}.{keyword}";
            if (!OverlayKeywords.All.Contains(keyword))
            {
                yield return new ConfigError(here,
                    $"'{keyword}' is not an overlay keyword; use {string.Join(", ", OverlayKeywords.All.Order(StringComparer.Ordinal))}");
                continue;
            }

            foreach (var error in CheckValue(keyword, value, here))
            {
                yield return error;
            }
        }

        if (overlay["minLength"] is { } min && overlay["maxLength"] is { } max && IsNumber(min) && IsNumber(max)
            && SchemaOverlay.Number(min) > SchemaOverlay.Number(max))
        {
            yield return new ConfigError($"{at}.minLength", "is greater than maxLength: no value could pass");
        }

        if (overlay["minimum"] is { } lo && overlay["maximum"] is { } hi && IsNumber(lo) && IsNumber(hi)
            && SchemaOverlay.Number(lo) > SchemaOverlay.Number(hi))
        {
            yield return new ConfigError($"{at}.minimum", "is greater than maximum: no value could pass");
        }
    }

    private static IEnumerable<ConfigError> CheckValue(string keyword, JsonNode? value, string at)
    {
        switch (keyword)
        {
            case "properties":
                if (value is not JsonObject properties)
                {
                    yield return new ConfigError(at, "must be an object mapping property names to overlays");
                    yield break;
                }

                foreach (var (name, sub) in properties)
                {
                    var here = ConfigPaths.Property(at, name);
                    if (sub is not JsonObject subOverlay)
                    {
                        yield return new ConfigError(here, "must be an object (an overlay for this property)");
                        continue;
                    }

                    foreach (var error in Check(subOverlay, here))
                    {
                        yield return error;
                    }
                }

                break;
            case "items":
                if (value is not JsonObject items)
                {
                    yield return new ConfigError(at, "must be an object (an overlay for every item of the array)");
                    yield break;
                }

                foreach (var error in Check(items, at))
                {
                    yield return error;
                }

                break;
            case "required":
                if (value is not JsonArray names || names.Any(n => n?.GetValueKind() != JsonValueKind.String))
                {
                    yield return new ConfigError(at, "must be an array of property names");
                }

                break;
            case "additionalProperties":
                if (value?.GetValueKind() != JsonValueKind.False)
                {
                    yield return new ConfigError(at, "only false is allowed (an overlay may only tighten)");
                }

                break;
            case "enum":
                if (value is not JsonArray { Count: > 0 })
                {
                    yield return new ConfigError(at, "must be a non-empty array of accepted values");
                }

                break;
            case "type":
                var types = value is JsonArray array ? array.ToList() : [value];
                if (types.Count == 0 || types.Any(t => t?.GetValueKind() != JsonValueKind.String || !OverlayKeywords.Types.Contains(t.ToString())))
                {
                    yield return new ConfigError(at, $"must be one of {string.Join(", ", OverlayKeywords.Types)}, or an array of them");
                }

                break;
            case "pattern":
                if (value?.GetValueKind() != JsonValueKind.String)
                {
                    yield return new ConfigError(at, "must be a regular expression string");
                }
                else if (PatternError(value.ToString()) is { } problem)
                {
                    yield return new ConfigError(at, $"is not a valid regular expression: {problem}");
                }

                break;
            case "format":
                if (value?.GetValueKind() != JsonValueKind.String || !OverlayKeywords.Formats.Contains(value.ToString()))
                {
                    yield return new ConfigError(at, $"must be one of the checked formats: {string.Join(", ", OverlayKeywords.Formats)}");
                }

                break;
            default:
                if (!IsNumber(value))
                {
                    yield return new ConfigError(at, "must be a number");
                }
                else if (OverlayKeywords.Counts.Contains(keyword)
                    && (SchemaOverlay.Number(value!) < 0 || SchemaOverlay.Number(value!) % 1 != 0))
                {
                    yield return new ConfigError(at, "must be a non-negative integer");
                }

                break;
        }
    }

    private static bool IsNumber(JsonNode? value) => value?.GetValueKind() == JsonValueKind.Number;

    private static string? PatternError(string pattern)
    {
        try
        {
            // Compiled as validation will compile it (with ECMA-262's meaning), so what passes here also runs there.
            _ = TimedPatternKeyword.Compile(pattern, TimeSpan.FromSeconds(1));
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }
}
