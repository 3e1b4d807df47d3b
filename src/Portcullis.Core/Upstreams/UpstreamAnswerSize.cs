using System.Runtime.InteropServices;
using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Upstreams;

/// <summary>
/// What an answer already read weighs, at least: the characters of its text and the bytes of its binary data and
/// structured content, never more than the JSON that carried it (text outside the ASCII range takes more bytes than
/// characters; names, URIs and annotations are not counted, and each part counts as the least JSON it takes). A stdio upstream's line is read whole by the MCP SDK, so
/// <c>limits.max_result_bytes</c> is held there on this measure; an HTTP upstream's answer is stopped while it is read.
/// </summary>
internal static class UpstreamAnswerSize
{
    /// <summary>The least JSON a content block or a resource's contents takes (<c>{"type":"text","text":""}</c>).</summary>
    private const int LeastPerPart = 16;

    public static bool Fits(CallToolResult result, long limit)
    {
        long size = result.StructuredContent is { } structured ? Raw(structured) : 0;
        foreach (var block in result.Content)
        {
            size += LeastPerPart + Of(block);
        }

        return size <= limit;
    }

    public static bool Fits(ReadResourceResult result, long limit)
    {
        long size = 0;
        foreach (var contents in result.Contents)
        {
            size += LeastPerPart + Of(contents);
        }

        return size <= limit;
    }

    /// <summary>
    /// A page of a tool list: each tool's name, title, description, schemas, icons and <c>_meta</c>, the parts a
    /// hostile upstream can make as large as it likes and the catalog would keep and pass on.
    /// </summary>
    public static bool Fits(ListToolsResult page, long limit)
    {
        long size = 0;
        foreach (var tool in page.Tools)
        {
            size += LeastPerPart + tool.Name.Length + (tool.Title?.Length ?? 0) + (tool.Description?.Length ?? 0)
                + (tool.Annotations?.Title?.Length ?? 0) + Raw(tool.InputSchema) + (tool.OutputSchema is { } output ? Raw(output) : 0)
                + (tool.Icons?.Sum(i => (long)i.Source.Length) ?? 0) + (tool.Meta?.ToJsonString().Length ?? 0);
            if (size > limit)
            {
                return false;
            }
        }

        return true;
    }

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
