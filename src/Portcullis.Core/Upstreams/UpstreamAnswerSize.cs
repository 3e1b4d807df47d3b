using System.Runtime.InteropServices;
using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Upstreams;

/// <summary>
/// What an answer already read weighs, at least: the characters of its text and the bytes of its binary data and
/// structured content, never more than the JSON that carried it (text outside the ASCII range takes more bytes than
/// characters; annotations and the JSON's own punctuation are not counted, and each part counts as the least JSON it
/// takes). A stdio upstream's line is read whole (up to its line limit), so <c>limits.max_result_bytes</c> is held
/// there on this measure; an HTTP upstream's answer is stopped while it is read.
/// </summary>
internal static class UpstreamAnswerSize
{
    /// <summary>The least JSON a content block or a resource's contents takes (<c>{"type":"text","text":""}</c>).</summary>
    private const int LeastPerPart = 16;

    /// <summary>Any answer the relay passes on: the kinds that carry an upstream's content or lists; the rest are small.</summary>
    public static bool Fits(Result answer, long limit) => answer switch
    {
        CallToolResult result => Fits(result, limit),
        ReadResourceResult read => Fits(read, limit),
        ListToolsResult page => Fits(page, limit),
        GetPromptResult prompt => Weigh(prompt.Messages, m => LeastPerPart + Of(m.Content), prompt.Description?.Length ?? 0, limit),
        ListPromptsResult page => Weigh(page.Prompts, Of, Cursor(page.NextCursor), limit),
        ListResourcesResult page => Weigh(page.Resources, Of, Cursor(page.NextCursor), limit),
        ListResourceTemplatesResult page => Weigh(page.ResourceTemplates, Of, Cursor(page.NextCursor), limit),
        CompleteResult complete => Weigh(complete.Completion.Values, v => LeastPerPart + v.Length, 0, limit),
        _ => true,
    };

    public static bool Fits(CallToolResult result, long limit) =>
        Weigh(result.Content, b => LeastPerPart + Of(b), result.StructuredContent is { } structured ? Raw(structured) : 0, limit);

    public static bool Fits(ReadResourceResult result, long limit) => Weigh(result.Contents, c => LeastPerPart + Of(c), 0, limit);

    /// <summary>
    /// A page of a tool list: each tool's name, title, description, schemas, icons and <c>_meta</c>, the parts a
    /// hostile upstream can make as large as it likes and the catalog would keep and pass on.
    /// </summary>
    public static bool Fits(ListToolsResult page, long limit) => Weigh(page.Tools, Of, 0, limit);

    /// <summary>What a page of one of the four lists weighs on the same measure, its cursor aside (read a page that fits first).</summary>
    public static long Weight(PaginatedResult page) => page switch
    {
        ListToolsResult tools => tools.Tools.Sum(Of),
        ListPromptsResult prompts => prompts.Prompts.Sum(Of),
        ListResourcesResult resources => resources.Resources.Sum(Of),
        ListResourceTemplatesResult templates => templates.ResourceTemplates.Sum(Of),
        _ => 0,
    };

    private static bool Weigh<TItem>(IEnumerable<TItem> items, Func<TItem, long> weight, long start, long limit)
    {
        var size = start;
        foreach (var item in items)
        {
            size += weight(item);
            if (size > limit)
            {
                return false;
            }
        }

        return size <= limit;
    }

    private static long Cursor(string? cursor) => cursor?.Length ?? 0;

    private static long Of(Tool tool) =>
        LeastPerPart + tool.Name.Length + (tool.Title?.Length ?? 0) + (tool.Description?.Length ?? 0)
        + (tool.Annotations?.Title?.Length ?? 0) + Raw(tool.InputSchema) + (tool.OutputSchema is { } output ? Raw(output) : 0)
        + Of(tool.Icons) + Of(tool.Meta);

    private static long Of(Prompt prompt) =>
        LeastPerPart + prompt.Name.Length + (prompt.Title?.Length ?? 0) + (prompt.Description?.Length ?? 0) + Of(prompt.Icons) + Of(prompt.Meta)
        + (prompt.Arguments?.Sum(a => (long)LeastPerPart + a.Name.Length + (a.Title?.Length ?? 0) + (a.Description?.Length ?? 0)) ?? 0);

    private static long Of(Resource resource) =>
        LeastPerPart + resource.Uri.Length + resource.Name.Length + (resource.Title?.Length ?? 0) + (resource.Description?.Length ?? 0)
        + (resource.MimeType?.Length ?? 0) + Of(resource.Icons) + Of(resource.Meta);

    private static long Of(ResourceTemplate template) =>
        LeastPerPart + template.UriTemplate.Length + template.Name.Length + (template.Title?.Length ?? 0) + (template.Description?.Length ?? 0)
        + (template.MimeType?.Length ?? 0) + Of(template.Icons) + Of(template.Meta);

    private static long Of(IList<Icon>? icons) => icons?.Sum(i => (long)i.Source.Length) ?? 0;

    private static long Of(System.Text.Json.Nodes.JsonObject? meta) => meta?.ToJsonString().Length ?? 0;

    private static long Of(ContentBlock block) => block switch
    {
        TextContentBlock text => text.Text.Length,
        ImageContentBlock image => image.Data.Length,
        AudioContentBlock audio => audio.Data.Length,
        EmbeddedResourceBlock embedded => Of(embedded.Resource),
        _ => 0,
    };

    private static long Of(ResourceContents contents) => contents switch
    {
        TextResourceContents text => text.Text.Length,
        BlobResourceContents blob => blob.Blob.Length,
        _ => 0,
    };

    private static long Raw(JsonElement element) => JsonMarshal.GetRawUtf8Value(element).Length;
}
