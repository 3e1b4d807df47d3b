using ModelContextProtocol.Protocol;
using Portcullis.Core.Connectors;
using Portcullis.Core.Security;

namespace Portcullis.Core.Tools;

/// <summary>Answers <c>tools/list</c>: only the tools this caller may call, with their effective schemas.</summary>
internal sealed class ToolListing
{
    public ListToolsResult List(Connector connector, CallerIdentity caller)
    {
        var anonymous = connector.Config.Auth.IsAnonymous;
        var tools = new List<Tool>();
        foreach (var tool in connector.Catalog.Ordered)
        {
            if (anonymous || caller.HasAll(tool.RequiredScopes))
            {
                tools.Add(tool.Exposed);
            }
        }

        return new ListToolsResult { Tools = tools };
    }
}
