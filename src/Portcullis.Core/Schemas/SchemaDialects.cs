using System.Collections.Concurrent;
using System.Text.Json;
using Json.Schema;

namespace Portcullis.Core.Schemas;

/// <summary>
/// The dialects schemas are compiled with: the draft the schema declares in <c>$schema</c> (draft-06, draft-07, 2019-09
/// or 2020-12; none means 2020-12, MCP's default), each with the gateway's keywords in place of the library's own. A
/// <c>$schema</c> inside the schema (an embedded resource's) does not switch drafts: the root's holds throughout.
/// </summary>
internal static class SchemaDialects
{
    /// <summary>The most of an unknown <c>$schema</c> the failure repeats: it is the upstream's text, logged and shown by <c>lint</c>.</summary>
    private const int MaxUriChars = 200;

    private static readonly Dialect[] Drafts = [Dialect.Draft202012, Dialect.Draft201909, Dialect.Draft07, Dialect.Draft06];

    private static readonly ConcurrentDictionary<(Dialect Draft, TimeSpan PatternTimeout), Dialect> ForTools = new();

    /// <summary>
    /// The config file's: values compared exactly (the library's own <c>const</c>, <c>enum</c> and <c>uniqueItems</c>
    /// read numbers as <see cref="decimal"/> and throw on one beyond its range), the config schema's 2020-12 kept.
    /// </summary>
    public static readonly Dialect Config = Dialect.Draft202012.With([DeclaredDialectKeyword.Instance, ExactConstKeyword.Instance, ExactEnumKeyword.Instance, ExactUniqueItemsKeyword.Instance]);

    /// <summary>
    /// A tool schema's: <c>pattern</c> and <c>patternProperties</c> matched with ECMA-262's meaning under the call's
    /// budget, references followed under it too, integers told by the number as written, values compared by their exact value, and exclusive bounds that
    /// hold for the number read as a double too. Null, with <paramref name="failure"/>, for a <c>$schema</c> that names
    /// no draft the gateway knows.
    /// </summary>
    public static Dialect? ForTool(JsonElement schema, TimeSpan patternTimeout, out string? failure)
    {
        if (Declared(schema, out failure) is not { } draft)
        {
            return null;
        }

        return ForTools.GetOrAdd((draft, patternTimeout), static key => key.Draft.With([DeclaredDialectKeyword.Instance, new TimedPatternKeyword(key.PatternTimeout),
            new TimedPatternPropertiesKeyword(key.PatternTimeout), ExactIntegerTypeKeyword.Instance, ExactConstKeyword.Instance, ExactEnumKeyword.Instance,
            ExactUniqueItemsKeyword.Instance, DoubleExclusiveBoundKeyword.Minimum, DoubleExclusiveBoundKeyword.Maximum,
            .. BudgetedSubschemaKeywords.For(key.Draft)]));
    }

    /// <summary>The official draft <paramref name="schema"/> declares at its root, 2020-12 when it declares none.</summary>
    private static Dialect? Declared(JsonElement schema, out string? failure)
    {
        failure = null;
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("$schema", out var declared))
        {
            return Dialect.Draft202012;
        }

        var uri = declared.ValueKind == JsonValueKind.String ? declared.GetString()! : null;
        if (uri is not null && Drafts.FirstOrDefault(d => string.Equals(d.Id!.OriginalString.TrimEnd('#'), uri.TrimEnd('#'), StringComparison.Ordinal)) is { } draft)
        {
            return draft;
        }

        failure = uri is null
            ? "'$schema' is not a string"
            : $"'$schema' names '{Diagnostics.LogText.Safe(uri, MaxUriChars)}', which is not a JSON Schema draft the gateway knows (draft-06, draft-07, 2019-09 or 2020-12)";
        return null;
    }
}
