using System.Text;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Cli;

/// <summary>Writes arguments so that a POSIX shell (sh, bash, zsh) reads each back as exactly one word, unchanged.</summary>
internal static class PosixShell
{
    /// <summary>
    /// The argument as is when every character is one no shell treats specially (and it does not begin with <c>=</c>,
    /// which zsh expands to a command's path); otherwise single-quoted.
    /// </summary>
    /// <remarks>
    /// An argument holding a character a terminal would act on (an escape sequence, a line break, a bidirectional
    /// override: an upstream chooses the names this prints) is written in ANSI-C quotes, <c>$'…'</c>, with each such
    /// character as its escape: the line shows what it is, and bash or zsh still read back the very argument (a plain
    /// sh such as dash does not know this quoting; such names are rare, and most often hostile).
    /// </remarks>
    public static string Quote(string argument) =>
        argument.Length > 0 && argument[0] != '=' && argument.All(IsPlain) ? argument
        : argument.Any(LogText.IsUnsafe) ? AnsiC(argument)
        : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string AnsiC(string argument)
    {
        var quoted = new StringBuilder("$'", argument.Length + 8);
        for (var i = 0; i < argument.Length; i++)
        {
            var c = argument[i];
            _ = c switch
            {
                '\\' or '\'' => quoted.Append('\\').Append(c),
                _ when char.IsHighSurrogate(c) && i + 1 < argument.Length && char.IsLowSurrogate(argument[i + 1]) =>
                    quoted.Append($"\\U{char.ConvertToUtf32(c, argument[++i]):x8}"),
                _ when LogText.IsUnsafe(c) => quoted.Append(c <= '\u00ff' ? $"\\x{(int)c:x2}" : $"\\u{(int)c:x4}"),
                _ => quoted.Append(c),
            };
        }

        return quoted.Append('\'').ToString();
    }

    /// <summary>ASCII letters, digits and <c>_-.,/:@%+=</c>: nothing a shell expands, splits or globs.</summary>
    private static bool IsPlain(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ',' or '/' or ':' or '@' or '%' or '+' or '=';
}
