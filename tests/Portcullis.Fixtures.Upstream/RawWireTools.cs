using System.ComponentModel;
using System.Text;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Portcullis.Fixtures.Upstream;

/// <summary>
/// Tools that break the wire itself over stdio: a line that is not JSON, an answer to a request that does not exist,
/// or an answer to this very call whose result is not a tool result. The real answer follows a moment later, too late.
/// </summary>
[McpServerToolType]
internal sealed class RawWireTools(CallRecorder recorder)
{
    private static readonly Lock StdoutGate = new();

    [McpServerTool(Name = "raw_answer", ReadOnly = true, Destructive = false)]
    [Description("A read whose answer is broken on the wire: kind is noise, noise_long (with escape codes, 300 characters more), wrong_id, wrong_shape, structured_array, not_a_message (a JSON object of another shape) or too_deep (a result nested 100 levels).")]
    public static Task<string> RawAnswer(RequestContext<CallToolRequestParams> context, string kind) => BreakAsync(context, kind);

    [McpServerTool(Name = "raw_write", ReadOnly = false, Destructive = false)]
    [Description("A write that records its call, then answers like raw_answer.")]
    public Task<string> RawWrite(RequestContext<CallToolRequestParams> context, string kind, string? note = null)
    {
        recorder.Record("raw_write", new { kind, note });
        return BreakAsync(context, kind);
    }

    [McpServerTool(Name = "huge", ReadOnly = true, Destructive = false)]
    [Description("Records its call, then answers a text of the given number of mebibytes.")]
    public string Huge(int megabytes)
    {
        recorder.Record("huge", new { megabytes });
        return new('x', megabytes * 1024 * 1024);
    }

    [McpServerTool(Name = "announce_tools_changed", ReadOnly = true, Destructive = false)]
    [Description("Sends notifications/tools/list_changed count times without pausing, the tool list unchanged; with add_extra_last the last announcement is of a real change: the tool 'extra' appears.")]
    public static async Task<string> AnnounceToolsChanged(McpServer server, int count, bool add_extra_last = false, CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < (add_extra_last ? count - 1 : count); i++)
        {
            await server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification, cancellationToken: cancellationToken);
        }

        if (add_extra_last)
        {
            // Changing the collection announces the change itself.
            CatalogTools.Change(server.ServerOptions.ToolCollection!, "toggle_extra");
        }

        return $"announced {count}";
    }

    [McpServerTool(Name = "announce_list_changed", ReadOnly = true, Destructive = false)]
    [Description("Sends notifications/resources/list_changed (kind 'resources') or notifications/prompts/list_changed (kind 'prompts') count times without pausing.")]
    public static async Task<string> AnnounceListChanged(McpServer server, string kind, int count, CancellationToken cancellationToken = default)
    {
        var method = kind switch
        {
            "resources" => NotificationMethods.ResourceListChangedNotification,
            "prompts" => NotificationMethods.PromptListChangedNotification,
            _ => throw new ArgumentException("kind is resources or prompts", nameof(kind)),
        };
        for (var i = 0; i < count; i++)
        {
            await server.SendNotificationAsync(method, cancellationToken: cancellationToken);
        }

        return $"announced {count}";
    }

    private static async Task<string> BreakAsync(RequestContext<CallToolRequestParams> context, string kind)
    {
        var id = context.JsonRpcRequest.Id.ToString();
        var idJson = context.JsonRpcRequest.Id.Id is string ? $"\"{id}\"" : id;
        var line = kind switch
        {
            "noise" => "this line is not JSON-RPC",
            "noise_long" => "\u001b[31mnot JSON-RPC\u001b[0m " + new string('z', 300),
            "wrong_id" => """{"jsonrpc":"2.0","id":"nobody-asked","result":{"content":[]}}""",
            "wrong_shape" => "{\"jsonrpc\":\"2.0\",\"id\":" + idJson + ",\"result\":{\"content\":\"not a list\",\"isError\":\"no\"}}",
            "structured_array" => "{\"jsonrpc\":\"2.0\",\"id\":" + idJson + ",\"result\":{\"content\":[],\"structuredContent\":[1,2]}}",
            "not_a_message" => "{\"hello\":\"a JSON object, but no JSON-RPC message\"}",
            "too_deep" => "{\"jsonrpc\":\"2.0\",\"id\":" + idJson + ",\"result\":{\"content\":[],\"structuredContent\":" + string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100) + "}}",
            _ => throw new ArgumentException("unknown kind", nameof(kind)),
        };
        lock (StdoutGate)
        {
            using var stdout = Console.OpenStandardOutput();
            stdout.Write(Encoding.UTF8.GetBytes(line + "\n"));
            stdout.Flush();
        }

        await Task.Delay(TimeSpan.FromMilliseconds(500));
        return "the real answer";
    }
}
