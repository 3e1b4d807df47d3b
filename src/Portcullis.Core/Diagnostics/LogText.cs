using System.Globalization;
using System.Text;

namespace Portcullis.Core.Diagnostics;

/// <summary>Client-supplied text made safe for a log line: no line breaks or control characters, bounded length.</summary>
internal static class LogText
{
    private const int DefaultMaxLength = 128;

    /// <summary>The most a list of problems (schema violations, each naming a member) keeps of its text in a log line.</summary>
    public const int MaxSummaryLength = 1024;

    public static string Safe(string text, int maxLength = DefaultMaxLength)
    {
        if (text.Length <= maxLength && !text.Any(IsUnsafe))
        {
            return text;
        }

        var builder = new StringBuilder(Math.Min(text.Length, maxLength) + 8);
        foreach (var c in text.Length > maxLength ? text[..maxLength] : text)
        {
            if (IsUnsafe(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return text.Length > maxLength ? builder.Append('…').ToString() : builder.ToString();
    }

    /// <summary>Halves of surrogate pairs, and what <see cref="VisibleText"/> calls hidden: control characters (C0, DEL, C1
    /// such as CSI), format characters (the bidirectional overrides, isolates and marks that would reorder what a terminal
    /// shows, zero-width characters), line and paragraph separators.</summary>
    internal static bool IsUnsafe(char c) =>
        char.IsSurrogate(c) || char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
