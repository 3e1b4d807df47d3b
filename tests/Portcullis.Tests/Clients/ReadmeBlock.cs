using System.Text.RegularExpressions;

namespace Portcullis.Tests.Clients;

/// <summary>A fenced code block of the README: its language and its text.</summary>
internal sealed partial record ReadmeBlock(string Language, string Text)
{
    /// <summary>The fenced blocks of the section that starts with <paramref name="heading"/>, up to the next heading of its level.</summary>
    public static IReadOnlyList<ReadmeBlock> InSection(string markdown, string heading)
    {
        var start = markdown.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no section '{heading}'");
        var level = heading[..(heading.IndexOf(' ', StringComparison.Ordinal) + 1)];
        var end = markdown.IndexOf("\n" + level, start + heading.Length + 2, StringComparison.Ordinal);
        var section = end < 0 ? markdown[start..] : markdown[start..end];
        return [.. Fence().Matches(section).Select(m => new ReadmeBlock(m.Groups["lang"].Value, m.Groups["text"].Value))];
    }

    [GeneratedRegex(@"^```(?<lang>\w*)[^\n]*\n(?<text>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();
}
