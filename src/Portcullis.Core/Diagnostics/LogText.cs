using System.Globalization;
using System.Text;

namespace Portcullis.Core.Diagnostics;

/// <summary>Client-supplied text made safe for a log line: no line breaks or control characters, bounded length.</summary>
internal static class LogText
{
    private const int DefaultMaxLength = 128;

    /// <summary>The most a list of problems (schema violations, each naming a member) keeps of its text in a log line.</summary>
    public const int MaxSummaryLength = 1024;

    public static string Safe(string text, int maxLength = DefaultMaxLength) =>
        text.Length > maxLength ? Escaped(text[..maxLength], keepTab: false) + "…" : Escaped(text, keepTab: false);

    /// <summary>
    /// Text the gateway logs whole (a message, an exception with its stack): every line break (LF, a lone CR, NEL, a form
    /// feed, a line or paragraph separator) as a space, and every other unsafe character but tab escaped. An exception's
    /// message is the words of an upstream or a library, and no escape sequence, carriage return or bidirectional override
    /// of theirs reaches an operator's terminal.
    /// </summary>
    public static string OneLine(string text) => Escaped(text.ReplaceLineEndings(" "), keepTab: true);

    private static string Escaped(string text, bool keepTab)
    {
        var first = 0;
        while (first < text.Length && !Escapes(text[first], keepTab))
        {
            first++;
        }

        if (first == text.Length)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 8).Append(text, 0, first);
        foreach (var c in text.AsSpan(first))
        {
            if (Escapes(c, keepTab))
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static bool Escapes(char c, bool keepTab) => IsUnsafe(c) && !(keepTab && c == '\t');

    /// <summary>Halves of surrogate pairs, and what <see cref="VisibleText"/> calls hidden: control characters (C0, DEL, C1
    /// such as CSI), format characters (the bidirectional overrides, isolates and marks that would reorder what a terminal
    /// shows, zero-width characters), line and paragraph separators.</summary>
    internal static bool IsUnsafe(char c) =>
        char.IsSurrogate(c) || char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
