using ModelContextProtocol.Server;

namespace Portcullis.Fixtures.Upstream;

/// <summary><c>--prompts N</c>: N prompts <c>prompt-0</c>…, each described <c>Prompt number I.</c>; without it the fixture offers none.</summary>
internal static class ExtraPrompts
{
    public static List<McpServerPrompt> From(string[] args)
    {
        var count = int.TryParse(FixtureArgs.Value(args, "--prompts"), out var n) ? n : 0;
        var prompts = new List<McpServerPrompt>(count);
        for (var i = 0; i < count; i++)
        {
            var text = $"prompt {i}";
            prompts.Add(McpServerPrompt.Create(() => text, new McpServerPromptCreateOptions { Name = $"prompt-{i}", Description = $"Prompt number {i}.", Meta = PassthroughMarks.Meta(args), Icons = PassthroughMarks.Icons(args) }));
        }

        return prompts;
    }
}
