using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Upstreams;

/// <summary>
/// One of the lists an upstream pages through (<see cref="ListKinds"/>): its method, the member of a page that holds its
/// items, the member that names an item, and how a page and a stand-in for an item the client cannot read are made.
/// </summary>
internal sealed class ListKind<TPage, TItem>
    where TPage : PaginatedResult
    where TItem : class
{
    public required string Method { get; init; }

    /// <summary><c>tools</c>, <c>resources</c>, <c>resourceTemplates</c>, <c>prompts</c>.</summary>
    public required string Member { get; init; }

    /// <summary>What the list holds, for messages: <c>tool</c>, <c>resource</c>, <c>resource template</c>, <c>prompt</c>.</summary>
    public required string Noun { get; init; }

    /// <summary>What names an item: <c>name</c>, <c>uri</c>, <c>uriTemplate</c>.</summary>
    public required string Key { get; init; }

    public required Func<TPage, IList<TItem>> Items { get; init; }

    public required Func<IList<TItem>, string?, TPage> Page { get; init; }

    /// <summary>An item by its name alone, standing in for one whose definition cannot be read.</summary>
    public required Func<string, TItem> StandIn { get; init; }
}
