using System.Text;

namespace Portcullis.Core.Schemas;

/// <summary>
/// A JSON Schema <c>pattern</c> (an ECMA-262 regular expression) rewritten so .NET's engines answer as ECMA-262 does
/// where they differ in what they let through: <c>$</c> is the end of the string only (.NET's also matches before a
/// final line feed, so <c>^c-[0-9]+$</c> took <c>"c-1\n"</c>), <c>\d</c>, <c>\w</c> and their complements are
/// ASCII only (.NET's take every Unicode digit and letter), and <c>.</c> matches no line terminator (.NET's matches a
/// carriage return and U+2028/U+2029). Escapes, character classes and everything else are kept as written; word
/// boundaries (<c>\b</c>) keep .NET's Unicode meaning.
/// </summary>
internal static class EcmaPattern
{
    // Inside a class, as ranges of \u escapes; a hyphen beside them is escaped, so it cannot join them into another range.
    private const string Digit = "\\u0030-\\u0039";
    private const string Word = "\\u0030-\\u0039\\u0041-\\u005A\\u005F\\u0061-\\u007A";
    private const string NotDigit = "\\u0000-\\u002F\\u003A-\\uFFFF";
    private const string NotWord = "\\u0000-\\u002F\\u003A-\\u0040\\u005B-\\u005E\\u0060\\u007B-\\uFFFF";

    public static string ToDotNet(string pattern)
    {
        var text = new StringBuilder(pattern.Length + 16);
        var inClass = false;
        var classStart = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var next = pattern[++i];
                var set = next switch { 'd' => Digit, 'w' => Word, 'D' => NotDigit, 'W' => NotWord, _ => null };
                if (set is null)
                {
                    text.Append('\\').Append(next);
                }
                else if (!inClass)
                {
                    text.Append('[').Append(set).Append(']');
                }
                else
                {
                    // A hyphen before the set that would make it the end of a range is a literal one in ECMA-262.
                    if (text.Length > classStart && text[^1] == '-' && (text.Length < 2 || text[^2] != '\\'))
                    {
                        text.Length--;
                        text.Append("\\-");
                    }

                    text.Append(set);
                    if (i + 2 < pattern.Length && pattern[i + 1] == '-' && pattern[i + 2] != ']')
                    {
                        text.Append("\\-");
                        i++;
                    }
                }

                continue;
            }

            if (inClass)
            {
                inClass = c != ']' || text.Length == classStart;
                text.Append(c);
                continue;
            }

            switch (c)
            {
                case '[':
                    inClass = true;
                    text.Append(c);
                    if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                    {
                        text.Append('^');
                        i++;
                    }

                    classStart = text.Length;
                    break;
                case '$':
                    text.Append("\\z");
                    break;
                case '.':
                    text.Append("[^\\n\\r\\u2028\\u2029]");
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }

        return text.ToString();
    }
}
