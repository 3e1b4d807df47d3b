using ModelContextProtocol.Server;

namespace Portcullis.Fixtures.Upstream;

/// <summary><c>--long-description-bytes N</c>: one more tool, <c>long_description</c>, whose description is N characters, to make a tool-list page as large as a test needs.</summary>
internal static class LongDescriptionTool
{
    public static IEnumerable<McpServerTool> From(string[] args)
    {
        if (int.TryParse(FixtureArgs.Value(args, "--long-description-bytes"), out var length))
        {
            yield return McpServerTool.Create(
                (string text) => text,
                new McpServerToolCreateOptions { Name = "long_description", Description = new string('x', length), ReadOnly = true, Destructive = false });
        }
    }
}
