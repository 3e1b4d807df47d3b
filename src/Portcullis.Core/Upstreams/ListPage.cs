using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Upstreams;

/// <summary>
/// One page of an upstream's list of tools, resources, resource templates or prompts, read from the answer's JSON by the
/// gateway rather than by the MCP client's typed listing, which refuses the whole page when one string in it holds half
/// of a UTF-16 surrogate pair (it cannot become .NET text): every item of the list went with one item's description. Such
/// an item is read as a stand-in marked with where (<see cref="UnreadableDefinitions"/>), or left out when not even its
/// name can be read (nothing can name it); the others are read as the client reads them.
/// </summary>
internal static class ListPage
{
    /// <summary>The most pages of a list read: far past any real list, whose pages hold tens of items or more.</summary>
    public const int MaxPages = 1_000;

    public static async Task<TPage> ReadAsync<TPage, TItem>(McpClient client, ListKind<TPage, TItem> kind, string? cursor, CancellationToken cancellationToken)
        where TPage : PaginatedResult
        where TItem : class
    {
        var request = new JsonRpcRequest
        {
            Method = kind.Method,
            Params = cursor is null ? new JsonObject() : new JsonObject { ["cursor"] = cursor },
        };
        var response = await client.SendRequestAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize(response.Result, TypeOf<TPage>()) ?? throw new JsonException("Unexpected JSON result in response.");
        }
        catch (InvalidOperationException) when (response.Result is JsonObject page)
        {
            // Otherwise the page is refused as before: what cannot be read is not in an item, or not where it can be told.
            if (ItemByItem(kind, page) is { } read)
            {
                return read;
            }

            throw;
        }
    }

    /// <summary>
    /// Every page of the list, as the client's listing without a cursor reads them, into one list of items. A page larger
    /// than <paramref name="limit"/> (<c>limits.max_result_bytes</c>), all pages together larger than it, or more than
    /// <see cref="MaxPages"/> pages fail the list (<see cref="UpstreamAnswerTooLargeException"/>): an upstream answering every
    /// page with another cursor would otherwise grow the gateway's memory a page at a time until the request timed out.
    /// </summary>
    public static async Task<IReadOnlyList<TItem>> ReadAllAsync<TPage, TItem>(McpClient client, ListKind<TPage, TItem> kind, long limit, CancellationToken cancellationToken)
        where TPage : PaginatedResult
        where TItem : class
    {
        var items = new List<TItem>();
        string? cursor = null;
        long listed = 0;
        var pages = 0;
        do
        {
            var page = await ReadAsync(client, kind, cursor, cancellationToken).ConfigureAwait(false);
            if (!UpstreamAnswerSize.Fits(page, limit))
            {
                throw new UpstreamAnswerTooLargeException(limit, AnswerTooLargeList.Page, string.Create(CultureInfo.InvariantCulture,
                    $"a page of the upstream's {kind.Noun} list is larger than the {limit} bytes accepted (limits.max_result_bytes)"));
            }

            listed += UpstreamAnswerSize.Weight(page);
            if (listed > limit || ++pages > MaxPages)
            {
                throw new UpstreamAnswerTooLargeException(limit, AnswerTooLargeList.Whole, string.Create(CultureInfo.InvariantCulture,
                    $"the upstream's {kind.Noun} list is larger than the {limit} bytes accepted (limits.max_result_bytes) or longer than {MaxPages} pages, all its pages together"));
            }

            items.AddRange(kind.Items(page));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return items;
    }

    /// <summary>
    /// Whether the listed item <paramref name="listed"/> holds text that cannot be read; if so, <paramref name="standIn"/>
    /// stands in for it, or is null when not even its name can be read (no allow-list can name it, so it is left out).
    /// </summary>
    public static bool TryStandIn<TPage, TItem>(ListKind<TPage, TItem> kind, JsonNode? listed, out TItem? standIn)
        where TPage : PaginatedResult
        where TItem : class
    {
        standIn = null;
        if (listed is not JsonObject item || UnreadableText.In(item) is not { } problem)
        {
            return false;
        }

        if (UnreadableText.TryString(item, kind.Key, out var name))
        {
            standIn = kind.StandIn(name);
            UnreadableDefinitions.Mark(standIn, problem);
        }

        return true;
    }

    /// <summary>The page read an item at a time, or null when no item of it holds text that cannot be read.</summary>
    private static TPage? ItemByItem<TPage, TItem>(ListKind<TPage, TItem> kind, JsonObject page)
        where TPage : PaginatedResult
        where TItem : class
    {
        if (page[kind.Member] is not JsonArray listed)
        {
            return null;
        }

        var items = new List<TItem>(listed.Count);
        var unreadable = false;
        foreach (var node in listed)
        {
            TItem? item;
            try
            {
                item = JsonSerializer.Deserialize(node, TypeOf<TItem>());
            }
            catch (InvalidOperationException) when (TryStandIn(kind, node, out var standIn))
            {
                item = standIn;
                unreadable = true;
            }

            if (item is not null)
            {
                items.Add(item);
            }
        }

        return unreadable ? kind.Page(items, page["nextCursor"]?.GetValue<string>()) : null;
    }

    private static JsonTypeInfo<T> TypeOf<T>() => (JsonTypeInfo<T>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(T));
}
