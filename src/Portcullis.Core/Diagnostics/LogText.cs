using System.Text;

namespace Portcullis.Core.Diagnostics;

/// <summary>Client-supplied text made safe for a log line: no line breaks or control characters, bounded length.</summary>
internal static class LogText
{
    private const int DefaultMaxLength = 128;

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

    /// <summary>Control characters (C0, DEL, C1 such as CSI), line and paragraph separators, lone halves of pairs, and the
    /// bidirectional overrides and isolates that would reorder what a terminal shows.</summary>
    internal static bool IsUnsafe(char c) =>
        char.IsControl(c) || c is '\u2028' or '\u2029' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069') || char.IsSurrogate(c);
}
