using ModelContextProtocol.Server;

namespace Portcullis.Fixtures.Upstream;

/// <summary><c>--extra-tools N</c>: N more read-only echo tools (extra_0000…), to measure a large catalog.</summary>
internal static class ExtraTools
{
    public static IEnumerable<McpServerTool> From(string[] args)
    {
        var count = int.TryParse(FixtureArgs.Value(args, "--extra-tools"), out var n) ? n : 0;
        for (var i = 0; i < count; i++)
        {
            yield return McpServerTool.Create(
                (string text) => text,
                new McpServerToolCreateOptions { Name = $"extra_{i:D4}", Description = $"Echo number {i}.", ReadOnly = true, Destructive = false });
        }
    }
}
