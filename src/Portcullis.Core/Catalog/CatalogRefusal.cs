using Portcullis.Core.Configuration;
using Portcullis.Core.Schemas;

namespace Portcullis.Core.Catalog;

/// <summary>
/// An allow-listed tool a catalog rebuild withheld, with the one message <c>serve</c> logs and <c>lint</c> reports.
/// <see cref="Path"/> is relative to the connector, such as <c>tools_allow[1]</c>. Safe to publish: no upstream internals.
/// </summary>
public sealed record CatalogRefusal(CatalogRefusalKind Kind, string Tool, string Path, string Message)
{
    /// <summary>True when the config is at fault: at start-up such a refusal stops the gateway.</summary>
    public bool IsConfigError => Kind is CatalogRefusalKind.DestructiveNotOptedIn or CatalogRefusalKind.OverlayLoosens;

    /// <summary>The refusal as a configuration error of connector number <paramref name="index"/>, at its JSON path.</summary>
    public ConfigError ToConfigError(int index) => new(ConfigPaths.Index("$.connectors", index) + "." + Path, Message);

    internal static CatalogRefusal Destructive(ConnectorConfig connector, string tool) =>
        new(CatalogRefusalKind.DestructiveNotOptedIn, tool, AllowEntry(connector, tool),
            $"connectors[{connector.Server}].tools_allow lists '{tool}', which the upstream marks destructive (or leaves unannotated, which the MCP spec "
            + $"treats as destructive). Set tools.{tool}.allow_destructive: true with a tools.{tool}.review policy to expose it deliberately, or remove it from tools_allow.");

    /// <remarks>The problem's pointer leads to the keyword in the overlay (for an undeclared property, to the property).</remarks>
    internal static CatalogRefusal OverlayLoosens(ConnectorConfig connector, string tool, OverlayProblem problem) =>
        new(CatalogRefusalKind.OverlayLoosens, tool, ConfigPaths.Append(ConfigPaths.Property("tools", tool) + ".input_schema", problem.Path),
            $"connectors[{connector.Server}].tools.{tool}.input_schema would loosen the upstream's schema at keyword '{problem.Keyword}' ({problem}). "
            + "An overlay may only tighten: remove or correct it.");

    internal static CatalogRefusal Uncompilable(ConnectorConfig connector, string tool, string reason) =>
        new(CatalogRefusalKind.SchemaUncompilable, tool, AllowEntry(connector, tool),
            $"tool {tool} is unavailable: its schema does not compile ({reason}); connectors[{connector.Server}].tools_allow lists it, but agents can neither "
            + "see nor call it until the upstream fixes the schema.");

    private static string AllowEntry(ConnectorConfig connector, string tool) =>
        ConfigPaths.Index("tools_allow", connector.ToolsAllow.IndexOf(tool));
}
