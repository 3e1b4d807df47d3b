using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Tools;

namespace Portcullis.Core.Upstreams;

/// <summary>
/// One page of an upstream's tool list, read from the answer's JSON by the gateway rather than by the MCP client's typed
/// listing, which refuses the whole page when one string in it holds half of a UTF-16 surrogate pair (it cannot become
/// .NET text): every tool of the connector went with one tool's description. Such a tool is read as a stand-in that the
/// catalog withholds as not I-JSON (<see cref="ToolDefinitionJson.TryStandIn"/>); the others are read as the client reads them.
/// </summary>
internal static class ToolListPage
{
    private static readonly JsonTypeInfo<ListToolsRequestParams> RequestType = TypeOf<ListToolsRequestParams>();
    private static readonly JsonTypeInfo<ListToolsResult> PageType = TypeOf<ListToolsResult>();
    private static readonly JsonTypeInfo<Tool> ToolType = TypeOf<Tool>();

    public static async Task<ListToolsResult> ReadAsync(McpClient client, string? cursor, CancellationToken cancellationToken)
    {
        var request = new JsonRpcRequest
        {
            Method = RequestMethods.ToolsList,
            Params = JsonSerializer.SerializeToNode(new ListToolsRequestParams { Cursor = cursor }, RequestType),
        };
        var response = await client.SendRequestAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize(response.Result, PageType) ?? throw new JsonException("Unexpected JSON result in response.");
        }
        catch (InvalidOperationException) when (response.Result is JsonObject page)
        {
            // Otherwise the page is refused as before: what cannot be read is not in a tool, or not where it can be told.
            if (ToolByTool(page) is { } read)
            {
                return read;
            }

            throw;
        }
    }

    /// <summary>The page read a tool at a time, or null when no tool of it holds text that cannot be read.</summary>
    private static ListToolsResult? ToolByTool(JsonObject page)
    {
        if (page["tools"] is not JsonArray listed)
        {
            return null;
        }

        var tools = new List<Tool>(listed.Count);
        var unreadable = false;
        foreach (var node in listed)
        {
            Tool? tool;
            try
            {
                tool = JsonSerializer.Deserialize(node, ToolType);
            }
            catch (InvalidOperationException) when (ToolDefinitionJson.TryStandIn(node, out var standIn))
            {
                tool = standIn;
                unreadable = true;
            }

            if (tool is not null)
            {
                tools.Add(tool);
            }
        }

        return unreadable ? new ListToolsResult { Tools = tools, NextCursor = page["nextCursor"]?.GetValue<string>() } : null;
    }

    private static JsonTypeInfo<T> TypeOf<T>() => (JsonTypeInfo<T>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(T));
}
