using System.Globalization;
using System.Text.Json;
using Portcullis.Core.Schemas;

namespace Portcullis.Core.Configuration;

/// <summary>
/// Turns one schema violation into a sentence an operator can act on: the unknown key and the one that was
/// probably meant, the expected type in words, the allowed values. Never repeats a value from the file, which
/// may be a secret written where a reference belongs.
/// </summary>
internal static class SchemaErrorWords
{
    private static readonly Dictionary<string, string> Patterns = new(StringComparer.Ordinal)
    {
        ["^https?://"] = "must be an http:// or https:// URL",
        ["^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"] = "must start with a letter or digit and hold only letters, digits, '.', '_' and '-' (at most 64 characters)",
        ["^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$"] = "must be a secret reference, env:NAME or file:PATH (the secret itself never belongs in the file)",
        ["^[!#-\\[\\]-~]+$"] = "must be a scope: printable ASCII characters without spaces, '\"' or '\\'",
    };

    public static IEnumerable<ConfigError> Describe(JsonElement schemaRoot, JsonElement config, string pointer, string keyword, string fallback)
    {
        var path = ConfigPaths.FromPointer(pointer);
        JsonPointers.TryResolve(config, pointer, out var value);
        var schema = SchemaNavigator.At(schemaRoot, config, pointer);
        if (keyword.Length == 0)
        {
            // The false schema: a key where additionalProperties is false.
            yield return new ConfigError(path, UnknownKey(schemaRoot, config, pointer));
            yield break;
        }

        if (keyword == "required" && schema is { } objectSchema && value.ValueKind == JsonValueKind.Object)
        {
            foreach (var missing in Strings(objectSchema, "required").Where(name => !value.TryGetProperty(name, out _)))
            {
                yield return new ConfigError(path, $"the required key '{missing}' is missing");
            }

            yield break;
        }

        yield return new ConfigError(path, schema is { } s ? Sentence(s, value, keyword) ?? fallback : fallback);
    }

    private static string? Sentence(JsonElement schema, JsonElement value, string keyword) => keyword switch
    {
        "type" when schema.TryGetProperty("type", out var type) => $"expected {Expected(type)}, got {Got(value)}",
        "enum" when schema.TryGetProperty("enum", out var values) =>
            "must be one of " + string.Join(", ", values.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? $"'{v.GetString()}'" : v.GetRawText())),
        "pattern" when schema.TryGetProperty("pattern", out var pattern) =>
            Patterns.TryGetValue(pattern.GetString()!, out var words) ? words : $"does not match the pattern {pattern.GetString()}",
        "minimum" => $"must be at least {Number(schema, keyword)}",
        "maximum" => $"must be at most {Number(schema, keyword)}",
        "exclusiveMinimum" => $"must be more than {Number(schema, keyword)}",
        "exclusiveMaximum" => $"must be less than {Number(schema, keyword)}",
        "minLength" => Number(schema, keyword) == "1" ? "must not be empty" : $"must be at least {Number(schema, keyword)} characters long",
        "maxLength" => $"must be at most {Number(schema, keyword)} characters long",
        "minItems" => Number(schema, keyword) == "1" ? "must list at least one item" : $"must list at least {Number(schema, keyword)} items",
        "maxItems" => $"must list at most {Number(schema, keyword)} items",
        "uniqueItems" => "lists the same value more than once",
        _ => null,
    };

    private static string UnknownKey(JsonElement schemaRoot, JsonElement config, string pointer)
    {
        var cut = pointer.LastIndexOf('/');
        var key = pointer[(cut + 1)..].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
        var parent = SchemaNavigator.At(schemaRoot, config, pointer[..cut]);
        var known = parent is { } p && p.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
            ? properties.EnumerateObject().Select(x => x.Name).Where(n => n != "$schema" || cut == 0).ToList()
            : [];
        if (DidYouMean.Suggest(key, known) is { } meant)
        {
            return $"unknown key '{key}' (did you mean '{meant}'?)";
        }

        return known.Count > 0 ? $"unknown key '{key}'; known keys here: {string.Join(", ", known)}" : $"unknown key '{key}'";
    }

    private static string Number(JsonElement schema, string keyword) =>
        schema.TryGetProperty(keyword, out var number) ? number.GetRawText() : "?";

    private static IEnumerable<string> Strings(JsonElement schema, string keyword) =>
        schema.TryGetProperty(keyword, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)
            : [];

    private static string Expected(JsonElement type) => type.ValueKind == JsonValueKind.Array
        ? string.Join(" or ", type.EnumerateArray().Select(t => TypeWords(t.GetString())))
        : TypeWords(type.GetString());

    private static string TypeWords(string? type) => type switch
    {
        "string" => "a string",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "true or false",
        "object" => "an object ({ ... })",
        "array" => "an array ([ ... ])",
        "null" => "null",
        _ => $"a value of type {type}",
    };

    private static string Got(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number when value.TryGetInt64(out _) => "a whole number",
        JsonValueKind.Number when double.TryParse(value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d) => "a whole number",
        JsonValueKind.Number => "a number with a fraction",
        JsonValueKind.True or JsonValueKind.False => "true or false",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
