using ModelContextProtocol.Protocol;
using Portcullis.Core.Catalog;
using Portcullis.Core.Tools;

namespace Portcullis.Core.Lint;

/// <summary>
/// One connector's upstream as lint found it: the tools it listed and the catalog the gateway builds from them
/// (with the same code, so the same refusals), or why they could not be listed.
/// </summary>
internal sealed record LiveCatalog(IReadOnlyList<Tool>? Tools, ToolCatalog? Catalog, IReadOnlyList<CatalogRefusal> Refusals, string? Failure)
{
    public static LiveCatalog Unreachable(string reason) => new(null, null, [], reason);

    public bool Listed => Tools is not null && Catalog is not null;
}
