using System.Text;
using System.Text.RegularExpressions;

namespace Portcullis.Core.Configuration;

/// <summary>
/// One <c>resources_allow</c> entry: an exact URI, a URI template as the upstream lists it
/// (<c>test://item/{id}</c>, each variable matching one path segment), or a prefix ending in <c>*</c>.
/// </summary>
public sealed class ResourcePattern
{
    private readonly Regex? _template;

    private ResourcePattern(string text)
    {
        Text = text;
        if (text.EndsWith('*'))
        {
            Prefix = text[..^1];
        }
        else if (text.Contains('{', StringComparison.Ordinal))
        {
            _template = new Regex(TemplateToRegex(text), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, TimeSpan.FromSeconds(1));
        }
    }

    public string Text { get; }

    private string? Prefix { get; }

    public static ResourcePattern Parse(string text) => new(text);

    /// <summary>Why the entry is not a valid pattern, or null.</summary>
    public static string? Problem(string text)
    {
        var star = text.IndexOf('*', StringComparison.Ordinal);
        if (star >= 0 && star != text.Length - 1)
        {
            return "'*' may appear only at the end of a resource pattern";
        }

        var depth = 0;
        foreach (var c in text)
        {
            depth += c switch { '{' => 1, '}' => -1, _ => 0 };
            if (depth is < 0 or > 1)
            {
                return "unbalanced or nested '{' '}' in a resource template";
            }
        }

        return depth == 0 ? null : "unbalanced '{' '}' in a resource template";
    }

    /// <summary>Whether a concrete resource URI is covered.</summary>
    /// <remarks>
    /// A URI with a dot segment in its path (<c>..</c>, <c>.</c>, also before a query, a fragment or <c>;</c>
    /// parameters), a percent-encoded <c>/</c>, <c>.</c> or <c>%</c>, or a control character (a URL parser
    /// drops a tab or a line break anywhere: <c>.\t.</c> is <c>..</c> to it) is never covered by a prefix or a template:
    /// the upstream may resolve it to somewhere the pattern does not reach.
    /// </remarks>
    public bool MatchesUri(string uri) =>
        Prefix is not null || _template is not null ? !MayEscape(uri) && MatchesPattern(uri)
        : string.Equals(uri, Text, StringComparison.Ordinal);

    private static bool MayEscape(string uri) =>
        uri.Contains("%2f", StringComparison.OrdinalIgnoreCase)
        || uri.Contains("%2e", StringComparison.OrdinalIgnoreCase)
        || uri.Contains("%25", StringComparison.OrdinalIgnoreCase)
        || uri.Contains('\\', StringComparison.Ordinal)
        || uri.AsSpan().ContainsAnyInRange('\u0000', '\u001f')
        || uri.Contains('\u007f', StringComparison.Ordinal)
        || HasDotSegment(uri);

    /// <summary>
    /// Whether a segment of the URI's path (up to its query or fragment) is <c>.</c> or <c>..</c>, also with
    /// parameters (<c>..;x</c>, which some servers read as <c>..</c>): <c>file:///docs/..?x</c> is <c>file:///</c> to
    /// the upstream, though it starts with <c>file:///docs/</c>.
    /// </summary>
    private static bool HasDotSegment(string uri)
    {
        var path = uri.AsSpan();
        var end = path.IndexOfAny('?', '#');
        if (end >= 0)
        {
            path = path[..end];
        }

        foreach (var range in path.Split('/'))
        {
            var segment = path[range];
            var parameters = segment.IndexOf(';');
            if (parameters >= 0)
            {
                segment = segment[..parameters];
            }

            if (segment is "." or "..")
            {
                return true;
            }
        }

        return false;
    }

    private bool MatchesPattern(string uri) =>
        Prefix is not null ? uri.StartsWith(Prefix, StringComparison.Ordinal)
        : _template is not null ? _template.IsMatch(uri)
        : string.Equals(uri, Text, StringComparison.Ordinal);

    /// <summary>Whether an upstream resource template is covered: named exactly, or under a prefix.</summary>
    public bool MatchesTemplate(string uriTemplate) =>
        Prefix is not null
            ? uriTemplate.StartsWith(Prefix, StringComparison.Ordinal) && !uriTemplate[..Prefix.Length].Contains('{', StringComparison.Ordinal)
            : string.Equals(uriTemplate, Text, StringComparison.Ordinal);

    private static string TemplateToRegex(string template)
    {
        var pattern = new StringBuilder("^");
        var at = 0;
        while (at < template.Length)
        {
            var open = template.IndexOf('{', at);
            if (open < 0)
            {
                pattern.Append(Regex.Escape(template[at..]));
                break;
            }

            var close = template.IndexOf('}', open);
            pattern.Append(Regex.Escape(template[at..open])).Append("[^/?#]+");
            at = close + 1;
        }

        return pattern.Append('$').ToString();
    }
}
