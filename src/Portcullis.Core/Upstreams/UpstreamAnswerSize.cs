using System.Runtime.InteropServices;
using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Upstreams;

/// <summary>
/// What an answer already read weighs, at least: the characters and bytes of its text, binary data and structured
/// content, never more than the JSON that carried it. A stdio upstream's line is read whole by the MCP SDK, so
/// <c>limits.max_result_bytes</c> is held there on this measure; an HTTP upstream's answer is stopped while it is read.
/// </summary>
internal static class UpstreamAnswerSize
{
    /// <exception cref="UpstreamAnswerTooLargeException">The answer weighs more than <paramref name="limit"/>.</exception>
    public static void Check(CallToolResult result, long limit)
    {
        long size = result.StructuredContent is { } structured ? Raw(structured) : 0;
        foreach (var block in result.Content)
        {
            size += Of(block);
        }

        Throw(size, limit);
    }

    /// <exception cref="UpstreamAnswerTooLargeException">The answer weighs more than <paramref name="limit"/>.</exception>
    public static void Check(ReadResourceResult result, long limit)
    {
        long size = 0;
        foreach (var contents in result.Contents)
        {
            size += Of(contents);
        }

        Throw(size, limit);
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

    private static void Throw(long size, long limit)
    {
        if (size > limit)
        {
            throw new UpstreamAnswerTooLargeException(limit);
        }
    }
}
