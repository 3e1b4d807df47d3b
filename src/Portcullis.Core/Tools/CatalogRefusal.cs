using Portcullis.Core.Configuration;

namespace Portcullis.Core.Tools;

/// <summary>
/// An allow-listed tool the catalog keeps out, with the one message <c>serve</c> logs and <c>lint</c> reports.
/// <see cref="Path"/> is relative to the connector, such as <c>tools_allow[1]</c>.
/// </summary>
internal sealed record CatalogRefusal(CatalogRefusalKind Kind, string Tool, string Path, string Message)
{
    /// <summary>Every refusal in <paramref name="catalog"/>, in the order the upstream listed the tools.</summary>
    public static IReadOnlyList<CatalogRefusal> Of(ConnectorConfig connector, ToolCatalog catalog)
    {
        var server = connector.Server;
        var refusals = new List<CatalogRefusal>();
        foreach (var tool in catalog.RefusedDestructive)
        {
            refusals.Add(new CatalogRefusal(CatalogRefusalKind.DestructiveNotOptedIn, tool, AllowEntry(connector, tool),
                $"connectors[{server}].tools_allow lists '{tool}', which the upstream marks destructive (or leaves unannotated, which the MCP spec "
                + $"treats as destructive). Set tools.{tool}.allow_destructive: true with a tools.{tool}.review policy to expose it deliberately, or remove it from tools_allow."));
        }

        foreach (var (tool, problem) in catalog.LooseningOverlays)
        {
            // The problem's pointer leads to the keyword in the overlay (for an undeclared property, to the property).
            var path = ConfigPaths.Append(ConfigPaths.Property("tools", tool) + ".input_schema", problem.Path);
            refusals.Add(new CatalogRefusal(CatalogRefusalKind.OverlayLoosens, tool, path,
                $"connectors[{server}].tools.{tool}.input_schema would loosen the upstream's schema at keyword '{problem.Keyword}' ({problem}). "
                + "An overlay may only tighten: remove or correct it."));
        }

        foreach (var (tool, reason) in catalog.Uncompilable)
        {
            refusals.Add(new CatalogRefusal(CatalogRefusalKind.SchemaUncompilable, tool, AllowEntry(connector, tool),
                $"tool {tool} is unavailable: its schema does not compile ({reason}); connectors[{server}].tools_allow lists it, but agents can neither "
                + "see nor call it until the upstream fixes the schema."));
        }

        return refusals;
    }

    private static string AllowEntry(ConnectorConfig connector, string tool) =>
        ConfigPaths.Index("tools_allow", connector.ToolsAllow.IndexOf(tool));
}
