namespace Portcullis.Cli;

/// <summary>Writes arguments so that a POSIX shell (sh, bash, zsh) reads each back as exactly one word, unchanged.</summary>
internal static class PosixShell
{
    /// <summary>
    /// The argument as is when every character is one no shell treats specially (and it does not begin with <c>=</c>,
    /// which zsh expands to a command's path); otherwise single-quoted.
    /// </summary>
    public static string Quote(string argument) =>
        argument.Length > 0 && argument[0] != '=' && argument.All(IsPlain)
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>ASCII letters, digits and <c>_-.,/:@%+=</c>: nothing a shell expands, splits or globs.</summary>
    private static bool IsPlain(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ',' or '/' or ':' or '@' or '%' or '+' or '=';
}
