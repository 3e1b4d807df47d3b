using System.Collections.Concurrent;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Security;

namespace Portcullis.Core.Tools;

/// <summary>
/// The tools of one catalog each caller may see, remembered per set of relevant scopes the caller holds, so
/// <c>tools/list</c> does not filter every tool on every request. Lives and dies with its catalog.
/// </summary>
/// <remarks>
/// Only scopes some tool requires are part of the key, so callers whose tokens differ in other scopes share an
/// entry. The number of entries is capped; past the cap lists are computed and not kept.
/// </remarks>
internal sealed class ToolListCache(IReadOnlyList<GatewayTool> ordered)
{
    private const int MaxEntries = 256;

    private readonly string[] _relevantScopes = [.. ordered.SelectMany(t => t.RequiredScopes).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    private readonly ConcurrentDictionary<string, Tool[]> _byScopes = new(StringComparer.Ordinal);
    private Tool[]? _everyTool;

    /// <summary>Every tool in the catalog (anonymous and step-up connectors list them all).</summary>
    public Tool[] EveryTool() => _everyTool ??= [.. ordered.Select(t => t.Exposed)];

    /// <summary>The tools whose required scopes the caller holds, in the upstream's order.</summary>
    public Tool[] For(CallerIdentity caller)
    {
        var key = string.Join(' ', _relevantScopes.Where(caller.Scopes.Contains));
        if (_byScopes.TryGetValue(key, out var cached))
        {
            return cached;
        }

        Tool[] tools = [.. ordered.Where(t => caller.HasAll(t.RequiredScopes)).Select(t => t.Exposed)];
        if (_byScopes.Count < MaxEntries)
        {
            _byScopes.TryAdd(key, tools);
        }

        return tools;
    }
}
