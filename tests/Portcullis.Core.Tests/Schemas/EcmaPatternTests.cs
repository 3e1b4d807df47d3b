using Portcullis.Core.Schemas;

namespace Portcullis.Core.Tests.Schemas;

/// <summary>A schema's <c>pattern</c> answers as ECMA-262 says, on both of .NET's engines, where .NET's own meaning would let more through.</summary>
public sealed class EcmaPatternTests
{
    [Theory]
    // Before, .NET's $ matched before a final line feed: "c-1003\n" passed ^c-[a-z0-9]{1,32}$ and reached the upstream.
    [InlineData("^c-[a-z0-9]{1,32}$", "c-1003", true)]
    [InlineData("^c-[a-z0-9]{1,32}$", "c-1003\n", false)]
    [InlineData("^a$|^b$", "b\n", false)]
    [InlineData("^[$]+$", "$$", true)]
    [InlineData("^\\$\\d$", "$1", true)]
    // ECMA-262's \d and \w are ASCII only.
    [InlineData("^\\d+$", "123", true)]
    [InlineData("^\\d+$", "١٢٣", false)]
    [InlineData("^[\\d-]+$", "1-2", true)]
    [InlineData("^[\\d-]+$", "١-٢", false)]
    [InlineData("^\\w+$", "abc_9", true)]
    [InlineData("^\\w+$", "héllo", false)]
    [InlineData("^\\D$", "١", true)]
    [InlineData("^\\W$", "é", true)]
    // A hyphen beside \d or \w in a class is a literal hyphen (an email-style [\w-.] must compile, [\w-~] is no range).
    [InlineData("^[\\w-.]+$", "a-b.c", true)]
    [InlineData("^[\\w-\\.]+$", "a-b.c", true)]
    [InlineData("^[\\w-~]+$", "{}", false)]
    [InlineData("^[\\w-~]+$", "a~-", true)]
    [InlineData("^[+-\\d]+$", "+1-2", true)]
    [InlineData("^[+-\\d]+$", ",", false)]
    [InlineData("^[-\\d]+$", "-1", true)]
    [InlineData("^[\\d-]+$", "1-", true)]
    [InlineData("^[^\\D]+$", "123", true)]
    [InlineData("^[^\\D]+$", "١٢٣", false)]
    [InlineData("^[^\\W]+$", "é", false)]
    [InlineData("^[^\\d]$", "١", true)]
    // ECMA-262's . matches no line terminator.
    [InlineData("^a.b$", "a-b", true)]
    [InlineData("^a.b$", "a\rb", false)]
    [InlineData("^a.b$", "a\u2028b", false)]
    // Escapes are kept: an escaped backslash before $, a \u escape, an escaped dot.
    [InlineData("^a\\\\$", "a\\", true)]
    [InlineData("^\\u0041$", "A", true)]
    [InlineData("^a\\.b$", "axb", false)]
    public void Compile_MatchesAsEcma262(string pattern, string input, bool matches)
    {
        Assert.Equal(matches, TimedPatternKeyword.Compile(pattern, TimeSpan.FromSeconds(1)).IsMatch(input));
    }

    [Fact]
    public void Compile_PatternOnlyTheBacktrackingEngineRuns_HasTheSameMeaning()
    {
        // A backreference: the non-backtracking engine refuses it, so the backtracking one runs it.
        var regex = TimedPatternKeyword.Compile("^(a)\\1$", TimeSpan.FromSeconds(1));

        Assert.Matches(regex, "aa");
        Assert.DoesNotMatch(regex, "aa\n");
    }
}
