using System.ComponentModel;
using ModelContextProtocol.Server;

namespace Portcullis.Fixtures.Upstream;

/// <summary>Tools that change the server's own tool list, which the server then announces (tools/list_changed).</summary>
[McpServerToolType]
internal sealed class CatalogTools
{
    public const string Extra = "extra";

    [McpServerTool(Name = "toggle_extra", ReadOnly = true, Destructive = false)]
    [Description("Adds the tool 'extra' when it is absent, removes it when present.")]
    public static string ToggleExtra(McpServer server)
    {
        var tools = server.ServerOptions.ToolCollection ?? throw new InvalidOperationException("The server has no tool collection.");
        if (tools.TryGetPrimitive(Extra, out var extra))
        {
            tools.Remove(extra);
            return "removed";
        }

        tools.Add(McpServerTool.Create(() => "extra", new McpServerToolCreateOptions { Name = Extra, Description = "Appears and disappears.", ReadOnly = true, Destructive = false }));
        return "added";
    }
}
