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
        var lists = connector.Catalog.Lists;
        var tools = connector.Config.Auth.IsAnonymous || connector.Config.Auth.StepUp ? lists.EveryTool() : lists.For(caller);
        // A fresh list per answer: the cached array is shared between callers and must never be changed.
        return new ListToolsResult { Tools = [.. tools] };
    }
}
