using ModelContextProtocol.Protocol;
using Portcullis.Core.Catalog;
using Portcullis.Core.Connectors;
using Portcullis.Core.Security;

namespace Portcullis.Core.Tools;

/// <summary>Answers <c>tools/list</c>: only the tools this caller may call, with their effective schemas.</summary>
/// <remarks>
/// With <c>auth.step_up</c> the connector lists every exposed tool, so a client can find a tool and be challenged
/// (HTTP 403 naming the scopes) when it calls one its token does not cover. While the catalog is unknown the answer
/// waits a bounded time for it (<see cref="ConnectorCatalog.FirstCatalogWait"/>), then lists what there is; the
/// session is told (<c>notifications/tools/list_changed</c>) when the catalog arrives.
/// </remarks>
internal sealed class ToolListing
{
    public async ValueTask<ListToolsResult> ListAsync(Connector connector, CallerIdentity caller, CancellationToken cancellationToken)
    {
        await connector.Catalog.WaitKnownAsync(ConnectorCatalog.FirstCatalogWait, cancellationToken).ConfigureAwait(false);
        var lists = connector.Catalog.Current.Lists;
        var tools = connector.Config.Auth.IsAnonymous || connector.Config.Auth.StepUp ? lists.EveryTool() : lists.For(caller);
        // A fresh list per answer: the cached array is shared between callers and must never be changed.
        return new ListToolsResult { Tools = [.. tools] };
    }
}
