using CsCheck;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.Tests.Configuration;

public sealed class ResourcePatternTests
{
    [Theory]
    [InlineData("test://static-text", "test://static-text", true)]
    [InlineData("test://static-text", "test://static-text2", false)]
    [InlineData("test://template/{id}/data", "test://template/42/data", true)]
    [InlineData("test://template/{id}/data", "test://template/4/2/data", false)]
    [InlineData("test://template/{id}/data", "test://template//data", false)]
    [InlineData("file:///docs/*", "file:///docs/a/b.md", true)]
    [InlineData("file:///docs/*", "file:///etc/passwd", false)]
    [InlineData("test://a.b/{x}", "test://aXb/1", false)]
    [InlineData("file:///docs/*", "file:///docs/../etc/passwd", false)]
    [InlineData("file:///docs/*", "file:///docs/%2e%2e/etc/passwd", false)]
    [InlineData("file:///docs/*", "file:///docs/a%2Fb", false)]
    [InlineData("test://template/{id}/data", "test://template/../data", false)]
    [InlineData("test://template/{id}/data", "test://template/..%2F..%2Fsecret/data", false)]
    [InlineData("file:///docs/*", "file:///docs/..?x", false)]
    [InlineData("file:///docs/*", "file:///docs/..#x", false)]
    [InlineData("file:///docs/*", "file:///docs/..;/etc/passwd", false)]
    [InlineData("file:///docs/*", "file:///docs/a/..;x/b", false)]
    [InlineData("file:///docs/*", "file:///docs/.?x", false)]
    [InlineData("file:///docs/*", "file:///docs/..", false)]
    [InlineData("file:///docs/*", "file:///docs/a/./b", false)]
    [InlineData("file:///docs/*", "file:///docs/.\t./etc/passwd", false)]
    [InlineData("file:///docs/*", "file:///docs/.\n./.\r./etc/passwd", false)]
    [InlineData("file:///docs/{name}", "file:///docs/.\t.", false)]
    [InlineData("file:///docs/*", "file:///docs/a\u007fb.md", false)]
    [InlineData("file:///docs/*", "file:///docs/a b.md", true)]
    [InlineData("file:///docs/*", "file:///docs/..a/b.md", true)]
    [InlineData("file:///docs/*", "file:///docs/a.md?from=../x", true)]
    [InlineData("file:///docs/*", "file:///docs/v1.2/notes..md", true)]
    public void MatchesUri_Pattern_MatchesAsDocumented(string pattern, string uri, bool expected) =>
        Assert.Equal(expected, ResourcePattern.Parse(pattern).MatchesUri(uri));

    [Theory]
    [InlineData("test://template/{id}/data", "test://template/{id}/data", true)]
    [InlineData("test://template/{id}/data", "test://template/{other}/data", false)]
    [InlineData("test://template/*", "test://template/{id}/data", true)]
    [InlineData("test://t*", "test://{host}/x", false)]
    public void MatchesTemplate_Pattern_MatchesAsDocumented(string pattern, string template, bool expected) =>
        Assert.Equal(expected, ResourcePattern.Parse(pattern).MatchesTemplate(template));

    [Theory]
    [InlineData("a*b")]
    [InlineData("test://{id")]
    [InlineData("test://id}")]
    [InlineData("test://{{id}}")]
    public void Problem_InvalidPattern_IsReported(string pattern) => Assert.NotNull(ResourcePattern.Problem(pattern));

    [Fact]
    public void MatchesUri_ExactPattern_MatchesOnlyItself()
    {
        Gen.String.Where(s => s.Length > 0 && !s.EndsWith('*') && !s.Contains('{', StringComparison.Ordinal) && !s.Contains('}', StringComparison.Ordinal))
            .Select(Gen.String)
            .Sample((pattern, other) =>
            {
                var parsed = ResourcePattern.Parse(pattern);
                return parsed.MatchesUri(pattern) && parsed.MatchesUri(other) == (other == pattern);
            });
    }

    [Fact]
    public void MatchesUri_TemplateVariable_NeverCrossesASegment()
    {
        Gen.String[Gen.Char.AlphaNumeric, 1, 10].Select(Gen.String[Gen.Char.AlphaNumeric, 0, 10])
            .Sample((value, extra) =>
            {
                var parsed = ResourcePattern.Parse("test://t/{id}/data");
                return parsed.MatchesUri($"test://t/{value}/data") && !parsed.MatchesUri($"test://t/{value}/{extra}/data");
            });
    }
}
