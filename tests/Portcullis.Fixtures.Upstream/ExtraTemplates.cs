using ModelContextProtocol.Server;

namespace Portcullis.Fixtures.Upstream;

/// <summary><c>--templates N</c>: N resource templates <c>memo://t0/{id}</c>…, each reading <c>note ID</c>, described <c>Template number I.</c></summary>
internal static class ExtraTemplates
{
    public static List<McpServerResource> From(string[] args)
    {
        var count = int.TryParse(FixtureArgs.Value(args, "--templates"), out var n) ? n : 0;
        var templates = new List<McpServerResource>(count);
        for (var i = 0; i < count; i++)
        {
            templates.Add(McpServerResource.Create((string id) => $"note {id}",
                new McpServerResourceCreateOptions { UriTemplate = $"memo://t{i}/{{id}}", Name = $"t{i}", MimeType = "text/plain", Description = $"Template number {i}.", Meta = PassthroughMarks.Meta(args), Icons = PassthroughMarks.Icons(args) }));
        }

        return templates;
    }
}
