namespace Portcullis.Core.Schemas;

/// <summary>The keywords an input-schema overlay may use, each of which can only tighten.</summary>
internal static class OverlayKeywords
{
    public static readonly IReadOnlySet<string> Upper = new HashSet<string>(StringComparer.Ordinal)
    {
        "maxLength", "maximum", "exclusiveMaximum", "maxItems",
    };

    public static readonly IReadOnlySet<string> Lower = new HashSet<string>(StringComparer.Ordinal)
    {
        "minLength", "minimum", "exclusiveMinimum", "minItems",
    };

    public static readonly IReadOnlySet<string> Counts = new HashSet<string>(StringComparer.Ordinal)
    {
        "maxLength", "minLength", "maxItems", "minItems",
    };

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        "type", "enum", "pattern", "format", "required", "additionalProperties", "properties", "items",
        "maxLength", "maximum", "exclusiveMaximum", "maxItems",
        "minLength", "minimum", "exclusiveMinimum", "minItems",
    };

    public static readonly IReadOnlySet<string> Types = new HashSet<string>(StringComparer.Ordinal)
    {
        "string", "number", "integer", "boolean", "object", "array", "null",
    };

    /// <summary>Formats the validator checks (2020-12 format-assertion with the library's built-in formats).</summary>
    public static readonly IReadOnlySet<string> Formats = new HashSet<string>(StringComparer.Ordinal)
    {
        "date", "date-time", "time", "duration", "email", "idn-email", "hostname", "idn-hostname",
        "ipv4", "ipv6", "uri", "uri-reference", "iri", "iri-reference", "uuid", "json-pointer",
        "relative-json-pointer", "regex",
    };
}
