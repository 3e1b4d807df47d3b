using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Upstreams;

/// <summary>
/// The upstream client's tool cache, kept equal to the last tool list read a page at a time: over Streamable HTTP a
/// call needs its tool's definition there to send the parameters annotated <c>x-mcp-header</c> as <c>Mcp-Param-*</c>
/// headers (the 2026-07-28 revision), which the SDK fills only in its own listing of every page, unbounded. A tool
/// whose annotations are invalid (SEP-2243) is left out of the cache, as that listing leaves it out of the list: a call
/// to it could not carry its headers, so the catalog withholds it.
/// </summary>
/// <remarks>Used under the supervisor's listing lock: one list at a time.</remarks>
internal sealed class UpstreamToolCache
{
    private McpClient? _client;
    private HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>
    /// Puts <paramref name="listed"/> in <paramref name="client"/>'s cache, then drops what an earlier list of the same
    /// connection put there and this one no longer has (in that order, so a call under way always finds its tool).
    /// Answers the tools left out, with the SDK's reason.
    /// </summary>
    public IReadOnlyList<(string Tool, string Reason)> Replace(McpClient client, IReadOnlyList<Tool> listed)
    {
        if (!ReferenceEquals(client, _client))
        {
            _client = client;
            _names = new HashSet<string>(StringComparer.Ordinal);
        }

        IReadOnlyList<Tool> kept = listed;
        List<(string, string)> rejected = [];
        try
        {
            client.AddKnownTools(listed);
        }
        catch (ArgumentException)
        {
            // The SDK takes a batch whole or not at all: the tools one by one, to know which (only an invalid one throws).
            var valid = new List<Tool>(listed.Count);
            foreach (var tool in listed)
            {
                try
                {
                    client.AddKnownTools([tool]);
                    valid.Add(tool);
                }
                catch (ArgumentException ex)
                {
                    rejected.Add((tool.Name, Reason(ex, tool.Name)));
                }
            }

            kept = valid;
        }

        var names = new HashSet<string>(kept.Select(t => t.Name), StringComparer.Ordinal);
        _names.ExceptWith(names);
        client.RemoveKnownTools(_names);
        _names = names;
        return rejected;
    }

    /// <summary>The SDK's words for one tool: "… validation: {name}: {reason} (Parameter 'tools')" without the wrapping.</summary>
    private static string Reason(ArgumentException ex, string name)
    {
        var message = ex.Message;
        var suffix = ex.ParamName is { } param ? $" (Parameter '{param}')" : "";
        if (suffix.Length > 0 && message.EndsWith(suffix, StringComparison.Ordinal))
        {
            message = message[..^suffix.Length];
        }

        var marker = ": " + name + ": ";
        var at = message.IndexOf(marker, StringComparison.Ordinal);
        return at >= 0 ? message[(at + marker.Length)..] : message;
    }
}
