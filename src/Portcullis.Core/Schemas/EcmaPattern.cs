using System.Text;

namespace Portcullis.Core.Schemas;

/// <summary>
/// A JSON Schema <c>pattern</c> (an ECMA-262 regular expression) rewritten so .NET's engines answer as ECMA-262 does
/// where they differ in what they let through: <c>$</c> is the end of the string only (.NET's also matches before a
/// final line feed, so <c>^c-[0-9]+$</c> took <c>"c-1\n"</c>), <c>\d</c> and <c>\w</c> are ASCII only (.NET's
/// take every Unicode digit and letter), and <c>.</c> matches no line terminator (.NET's matches a carriage return and
/// U+2028/U+2029). Escapes, character classes and everything else are kept as written.
/// </summary>
internal static class EcmaPattern
{
    public static string ToDotNet(string pattern)
    {
        var text = new StringBuilder(pattern.Length + 16);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var next = pattern[++i];
                text.Append(next switch
                {
                    'd' => inClass ? "0-9" : "[0-9]",
                    'w' => inClass ? "a-zA-Z0-9_" : "[a-zA-Z0-9_]",
                    'D' when !inClass => "[^0-9]",
                    'W' when !inClass => "[^a-zA-Z0-9_]",
                    _ => "\\" + next,
                });
                continue;
            }

            if (inClass)
            {
                inClass = c != ']';
                text.Append(c);
                continue;
            }

            switch (c)
            {
                case '[':
                    inClass = true;
                    text.Append(c);
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
