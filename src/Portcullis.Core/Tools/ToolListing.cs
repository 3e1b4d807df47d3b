using ModelContextProtocol.Protocol;
using Portcullis.Core.Connectors;
using Portcullis.Core.Security;

namespace Portcullis.Core.Tools;

/// <summary>Answers <c>tools/list</c>: only the tools this caller may call, with their effective schemas.</summary>
/// <remarks>
/// With <c>auth.step_up</c> the connector lists every exposed tool, so a client can find a tool and be challenged
/// (HTTP 403 naming the scopes) when it calls one its token does not cover.
/// </remarks>
internal sealed class ToolListing
{
    public ListToolsResult List(Connector connector, CallerIdentity caller)
    {
        var everyTool = connector.Config.Auth.IsAnonymous || connector.Config.Auth.StepUp;
        var tools = new List<Tool>();
        foreach (var tool in connector.Catalog.Ordered)
        {
            if (everyTool || caller.HasAll(tool.RequiredScopes))
            {
                tools.Add(tool.Exposed);
            }
        }

        return new ListToolsResult { Tools = tools };
    }
}
