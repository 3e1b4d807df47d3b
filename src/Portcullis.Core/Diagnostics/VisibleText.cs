using System.Globalization;
using System.Text;

namespace Portcullis.Core.Diagnostics;

/// <summary>
/// Characters that show nothing, or change how the text around them is shown: controls (C0, DEL, C1), format characters
/// (the bidirectional overrides, isolates and marks, zero-width spaces and joiners, the soft hyphen, the byte order mark,
/// tag characters), the line and paragraph separators, and the few letters and marks that show nothing either (see
/// <see cref="IsBlankLetterOrSelector"/>). Wherever a person reads a caller's text (a held call's
/// arguments, an idempotency key, a principal), these are written as escapes: a reviewer reading
/// "pay to account 0123456789" must not be reading "9876543210" turned around.
/// </summary>
internal static class VisibleText
{
    public static bool IsHidden(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
        || IsBlankLetterOrSelector(rune.Value);

    /// <summary>
    /// Characters of other categories that show nothing: the variation selectors (but U+FE0F, which asks for an emoji's
    /// colour form and follows many a legitimate emoji), the combining grapheme joiner, the Hangul fillers, the Khmer
    /// inherent vowels and the Mongolian free variation selectors. Variation selectors appended to a character carry any
    /// bytes unseen (one a byte: "emoji smuggling"), so "Thanks 😊" may hold a message for whatever reads it next.
    /// </summary>
    /// <remarks>
    /// Unicode reserves U+2065, U+FFF0–U+FFF8 and all of U+E0000–U+E0FFF as default-ignorable: not yet assigned, they
    /// are shown as nothing already (Chromium draws them with no width), so a message written in them is as unseen as one
    /// in variation selectors. They are hidden here too, the whole of the tag and selector block with them.
    /// </remarks>
    private static bool IsBlankLetterOrSelector(int value) => value switch
    {
        >= 0xFE00 and <= 0xFE0E => true,
        >= 0xE0000 and <= 0xE0FFF => true,
        0x2065 or >= 0xFFF0 and <= 0xFFF8 => true,
        0x034F or 0x115F or 0x1160 or 0x17B4 or 0x17B5 or 0x3164 or 0xFFA0 => true,
        >= 0x180B and <= 0x180D or 0x180F => true,
        _ => false,
    };

    /// <summary>
    /// The text with each hidden character written as its JSON escape (<c>\u202E</c>; two of them, a surrogate pair,
    /// above U+FFFF); the same string when it holds none.
    /// </summary>
    public static string Escape(string text)
    {
        var first = IndexOfHidden(text);
        if (first < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 12).Append(text, 0, first);
        Span<char> units = stackalloc char[2];
        foreach (var rune in text.AsSpan(first).EnumerateRunes())
        {
            if (IsHidden(rune))
            {
                foreach (var unit in units[..rune.EncodeToUtf16(units)])
                {
                    builder.Append("\\u").Append(((int)unit).ToString("X4", CultureInfo.InvariantCulture));
                }
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString();
    }

    /// <summary>Where the first hidden character starts, or -1 when there is none (printable ASCII is skipped at once).</summary>
    public static int IndexOfHidden(ReadOnlySpan<char> text)
    {
        var start = text.IndexOfAnyExceptInRange(' ', '~');
        if (start < 0)
        {
            return -1;
        }

        for (var i = start; i < text.Length;)
        {
            // A lone surrogate decodes as U+FFFD, which shows: JSON writers and the frame check deal with those.
            Rune.DecodeFromUtf16(text[i..], out var rune, out var used);
            if (IsHidden(rune))
            {
                return i;
            }

            i += used;
        }

        return -1;
    }

    /// <summary>The same, over UTF-8 text.</summary>
    public static int IndexOfHidden(ReadOnlySpan<byte> utf8)
    {
        var start = utf8.IndexOfAnyExceptInRange((byte)' ', (byte)'~');
        if (start < 0)
        {
            return -1;
        }

        for (var i = start; i < utf8.Length;)
        {
            Rune.DecodeFromUtf8(utf8[i..], out var rune, out var used);
            if (IsHidden(rune))
            {
                return i;
            }

            i += used;
        }

        return -1;
    }
}
