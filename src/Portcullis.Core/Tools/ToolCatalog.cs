using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Catalog;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.Tools;

/// <summary>
/// The tools of one connector that policy lets anyone see: allow-listed, and not destructive unless
/// opted in. Everything else is absent and answers as unknown. Immutable: a changed upstream list makes a new one
/// (see <see cref="ConnectorCatalog"/>).
/// </summary>
internal sealed class ToolCatalog
{
    public static readonly ToolCatalog Empty = new(FrozenDictionary<string, GatewayTool>.Empty, [], [], []);

    private readonly FrozenDictionary<string, GatewayTool> _tools;

    private ToolCatalog(
        FrozenDictionary<string, GatewayTool> tools,
        IReadOnlyList<GatewayTool> ordered,
        IReadOnlyList<CatalogRefusal> refusals,
        IReadOnlyList<string> notAllowed)
    {
        _tools = tools;
        Ordered = ordered;
        Refusals = refusals;
        NotAllowed = notAllowed;
        Lists = new ToolListCache(ordered);
        Signature = SignatureOf(ordered);
    }

    /// <summary>Allowed tools in the upstream's order.</summary>
    public IReadOnlyList<GatewayTool> Ordered { get; }

    /// <summary>
    /// Allow-listed tools withheld, each with its reason in the words <c>serve</c> and <c>lint</c> share (one entry per
    /// loosening keyword), in the order the upstream listed the tools.
    /// </summary>
    public IReadOnlyList<CatalogRefusal> Refusals { get; }

    /// <summary>Tools the upstream offers that are not in <c>tools_allow</c>.</summary>
    public IReadOnlyList<string> NotAllowed { get; }

    /// <summary>A hash of every tool as agents see it: equal signatures mean an equal <c>tools/list</c>.</summary>
    public string Signature { get; }

    /// <summary>What <c>tools/list</c> shows each caller, kept as long as this catalog is current.</summary>
    public ToolListCache Lists { get; }

    public bool TryGet(string name, out GatewayTool tool) => _tools.TryGetValue(name, out tool!);

    /// <summary>
    /// Builds the catalog. With <paramref name="pins"/> (pins on), a tool whose live definition is not its pin, or that has
    /// none, is withheld first, before its hints decide anything: a served tool's hints are always the reviewed ones.
    /// A tool named in <paramref name="headersInvalid"/> cannot be called as listed, so it is withheld before that.
    /// </summary>
    public static ToolCatalog Build(
        ConnectorConfig connector, IEnumerable<Tool> upstreamTools, ToolSchemaBuilder schemas, Pins.LockFile? pins = null, string lockFileName = Pins.LockFile.FileName,
        IReadOnlySet<string>? headersInvalid = null)
    {
        var allowed = connector.ToolsAllow.ToHashSet(StringComparer.Ordinal);
        var ordered = new List<GatewayTool>();
        var refusals = new List<CatalogRefusal>();
        var notAllowed = new List<string>();
        var listed = upstreamTools.ToList();
        var twice = listed.GroupBy(t => t.Name, StringComparer.Ordinal).Where(g => g.Skip(1).Any()).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var tool in listed)
        {
            if (!allowed.Contains(tool.Name))
            {
                notAllowed.Add(tool.Name);
                continue;
            }

            if (twice.Contains(tool.Name))
            {
                // Once per name, though it is listed more than once.
                if (!refusals.Exists(r => r.Kind == CatalogRefusalKind.ListedTwice && r.Tool == tool.Name))
                {
                    refusals.Add(CatalogRefusal.ListedTwice(connector, tool.Name));
                }

                continue;
            }

            // Before anything reads it again: the pin's digest, the overlay's merge and the list's signature each parse or write
            // the definition, and one of them failing on it failed the whole connector's catalog.
            if (ToolDefinitionJson.Problem(tool) is { } notIJson)
            {
                refusals.Add(CatalogRefusal.NotIJson(connector, tool.Name, notIJson));
                continue;
            }

            if (headersInvalid?.Contains(tool.Name) == true)
            {
                refusals.Add(CatalogRefusal.HeadersInvalid(connector, tool.Name));
                continue;
            }

            if (pins is not null && PinRefusal(connector, tool, pins, lockFileName) is { } withheld)
            {
                refusals.Add(withheld);
                continue;
            }

            // Past the pin check every served definition is its reviewed pin, so with pins on its hints are trusted.
            var hintsPinned = pins is not null;
            connector.Tools.TryGetValue(tool.Name, out var policy);
            if (GatewayTool.IsDestructive(tool, policy, hintsPinned) && policy?.AllowDestructive != true)
            {
                refusals.Add(CatalogRefusal.Destructive(connector, tool, hintsPinned));
                continue;
            }

            var built = schemas.Build(tool, policy, hintsPinned);
            if (built.OverlayProblems.Count > 0)
            {
                refusals.AddRange(built.OverlayProblems.Select(p => CatalogRefusal.OverlayLoosens(connector, tool.Name, p)));
                continue;
            }

            if (schemas.Compile(connector.Server, built) is { } failure)
            {
                refusals.Add(CatalogRefusal.Uncompilable(connector, tool.Name, failure));
                continue;
            }

            ordered.Add(built);
        }

        return new ToolCatalog(ordered.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal), ordered, refusals, notAllowed);
    }

    private static CatalogRefusal? PinRefusal(ConnectorConfig connector, Tool tool, Pins.LockFile pins, string lockFileName)
    {
        if (pins.Find(connector.Server, tool.Name) is not { } pin)
        {
            return CatalogRefusal.Unpinned(connector, tool.Name, lockFileName);
        }

        var check = pin.Check(Pins.PinnedDefinition.From(tool));
        return check.State == Pins.PinState.Matches ? null : CatalogRefusal.Changed(connector, tool.Name, lockFileName, check);
    }

    private static string SignatureOf(IReadOnlyList<GatewayTool> tools)
    {
        var type = McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Tool));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var tool in tools)
        {
            hash.AppendData(JsonSerializer.SerializeToUtf8Bytes(tool.Exposed, type));
            hash.AppendData("\n"u8);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
