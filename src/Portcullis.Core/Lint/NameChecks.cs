using System.Globalization;
using System.Text;

namespace Portcullis.Core.Lint;

/// <summary>
/// Allow-listed tool names that read alike: equal once case, full-width forms, combining marks and invisible characters
/// (zero-width spaces, joiners) are set aside; or holding an invisible character or combining mark at all (a name
/// spelt with a combining accent and the same name with the accented letter are two names that look one). Agents and
/// reviewers pick tools by name; two that look the same let one pass for the other.
/// </summary>
internal static class NameChecks
{
    public static IEnumerable<LintFinding> Run(LintContext context)
    {
        foreach (var connector in context.Connectors)
        {
            var seen = new Dictionary<string, LintTool>(StringComparer.Ordinal);
            foreach (var tool in connector.Tools)
            {
                var skeleton = Skeleton(tool.Name);
                if (seen.TryGetValue(skeleton, out var twin))
                {
                    yield return connector.Finding(LintRules.ToolNameConfusable, connector.AllowPath(tool),
                        $"'{Shown(tool.Name)}' reads like '{Shown(twin.Name)}' ({connector.AllowPath(twin)}): they differ only in case, width, combining marks or invisible characters, so an agent or a reviewer may take one for the other", tool.Name)
                        with { Fix = "Allow one of them; if both are needed, have the upstream give one a name that reads differently." };
                    continue;
                }

                seen.Add(skeleton, tool);
                // As char?, so that a U+0000 in the name is found too (a char's default is U+0000).
                if (tool.Name.Where(c => Invisible(c) || Combining(c)).Select(c => (char?)c).FirstOrDefault() is { } hidden)
                {
                    yield return connector.Finding(LintRules.ToolNameConfusable, connector.AllowPath(tool),
                        $"'{Shown(tool.Name)}' holds an invisible character or a combining mark (U+{(int)hidden:X4}): it may read like '{Skeleton(tool.Name)}', or like the same name spelt another way", tool.Name)
                        with { Fix = "Allow the name as the upstream should spell it, or have the upstream rename the tool." };
                }
            }
        }
    }

    /// <summary>
    /// The name as a person reads it: full-width forms as their ASCII letters, invisible characters and combining marks
    /// dropped, lower case. (The gateway runs with invariant globalization, so Unicode normalization is not available.)
    /// </summary>
    internal static string Skeleton(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (!Invisible(c) && !Combining(c))
            {
                builder.Append(c is >= '\uff01' and <= '\uff5e' ? (char)(c - 0xfee0) : c);
            }
        }

        return builder.ToString().ToLowerInvariant();
    }

    private static bool Invisible(char c) => char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.Control
        or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    private static bool Combining(char c) => char.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark;

    /// <summary>The name with every invisible character spelt out (<c>\u200b</c>), so the report shows the difference.</summary>
    private static string Shown(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            builder.Append(Invisible(c) ? $"\\u{(int)c:x4}" : c);
        }

        return builder.ToString();
    }
}
