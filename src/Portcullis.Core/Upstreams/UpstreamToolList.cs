using System.Collections.Frozen;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Upstreams;

/// <summary>
/// The upstream's full tool list as it gave it, with the names of the tools its client cannot call as listed: their
/// <c>x-mcp-header</c> annotations are invalid (SEP-2243), so a call could not carry those parameters as headers.
/// </summary>
public sealed record UpstreamToolList(IReadOnlyList<Tool> Tools)
{
    public IReadOnlySet<string> HeadersInvalid { get; init; } = FrozenSet<string>.Empty;
}
