using System.Text.Json;
using ModelContextProtocol.Server;

namespace Portcullis.Fixtures.Upstream;

/// <summary>
/// <c>--header-tools</c>: tools whose parameters are annotated <c>x-mcp-header</c> (SEP-2243). Over Streamable HTTP at
/// 2026-07-28 the SDK server refuses a call to <c>by_region</c> whose <c>region</c> does not also come as the
/// <c>Mcp-Param-Region</c> header; <c>bad_header</c>'s annotation is invalid (a header name with a space), so a client
/// leaves the tool out.
/// </summary>
internal static class HeaderTools
{
    public static IEnumerable<McpServerTool> From(string[] args)
    {
        if (!args.Contains("--header-tools"))
        {
            yield break;
        }

        yield return WithSchema(
            McpServerTool.Create((string region) => "region " + region, Options("by_region")),
            """{"type":"object","required":["region"],"properties":{"region":{"type":"string","x-mcp-header":"Region"}}}""");
        yield return WithSchema(
            McpServerTool.Create((string region) => "region " + region, Options("bad_header")),
            """{"type":"object","required":["region"],"properties":{"region":{"type":"string","x-mcp-header":"Bad Region"}}}""");
    }

    private static McpServerToolCreateOptions Options(string name) =>
        new() { Name = name, Description = "Answers the region it was given.", ReadOnly = true, Destructive = false };

    private static McpServerTool WithSchema(McpServerTool tool, string schema)
    {
        using var document = JsonDocument.Parse(schema);
        tool.ProtocolTool.InputSchema = document.RootElement.Clone();
        return tool;
    }
}
