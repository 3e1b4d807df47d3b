using ModelContextProtocol.Server;

namespace Portcullis.Fixtures.Upstream;

/// <summary>
/// <c>--resources N</c>: N text resources <c>memo://item/0</c>…, as an upstream lists the records it holds (a file
/// server its files, a CRM its notes): names that grow with the data, not with the upstream's code.
/// </summary>
internal static class ExtraResources
{
    public static List<McpServerResource> From(string[] args)
    {
        var count = int.TryParse(FixtureArgs.Value(args, "--resources"), out var n) ? n : 0;
        var resources = new List<McpServerResource>(count);
        for (var i = 0; i < count; i++)
        {
            var text = $"memo {i}";
            resources.Add(McpServerResource.Create(() => text,
                new McpServerResourceCreateOptions { UriTemplate = $"memo://item/{i}", Name = $"item-{i}", MimeType = "text/plain", Description = $"Memo number {i}.", Meta = PassthroughMarks.Meta(args), Icons = PassthroughMarks.Icons(args) }));
        }

        return resources;
    }
}
