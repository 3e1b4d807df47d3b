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

    /// <remarks>
    /// An unpinned <c>readOnlyHint</c> is not trusted, so a tool that only the upstream calls read-only, and that it
    /// does not mark non-destructive, is refused too; the message then says which declaration would admit it.
    /// </remarks>
    internal static CatalogRefusal Destructive(ConnectorConfig connector, ModelContextProtocol.Protocol.Tool tool, bool hintsPinned)
    {
        var name = tool.Name;
        var untrustedReadOnly = !hintsPinned && tool.Annotations?.ReadOnlyHint == true;
        return new(CatalogRefusalKind.DestructiveNotOptedIn, name, AllowEntry(connector, name), untrustedReadOnly
            ? $"connectors[{connector.Server}].tools_allow lists '{name}', which the upstream calls read-only (readOnlyHint) but no pin vouches for that hint, "
              + $"so it is a write, and destructive by the MCP spec's default. If it is read-only, declare tools.{name}.read_only: true (or pin its reviewed "
              + $"definition with portcullis pin); otherwise set tools.{name}.allow_destructive: true with a tools.{name}.review policy, or remove it from tools_allow."
            : $"connectors[{connector.Server}].tools_allow lists '{name}', which the upstream marks destructive (or leaves unannotated, which the MCP spec "
              + $"treats as destructive). Set tools.{name}.allow_destructive: true with a tools.{name}.review policy to expose it deliberately, or remove it from tools_allow.");
    }

    /// <remarks>The problem's pointer leads to the keyword in the overlay (for an undeclared property, to the property).</remarks>
    internal static CatalogRefusal OverlayLoosens(ConnectorConfig connector, string tool, OverlayProblem problem) =>
        new(CatalogRefusalKind.OverlayLoosens, tool, ConfigPaths.Append(ConfigPaths.Property("tools", tool) + ".input_schema", problem.Path),
            $"connectors[{connector.Server}].tools.{tool}.input_schema would loosen the upstream's schema at keyword '{problem.Keyword}' ({problem}). "
            + "An overlay may only tighten: remove or correct it.");

    internal static CatalogRefusal Uncompilable(ConnectorConfig connector, string tool, string reason) =>
        new(CatalogRefusalKind.SchemaUncompilable, tool, AllowEntry(connector, tool),
            $"tool {tool} is unavailable: its schema does not compile ({reason}); connectors[{connector.Server}].tools_allow lists it, but agents can neither "
            + "see nor call it until the upstream fixes the schema.");

    /// <summary>
    /// The upstream's definition is not I-JSON (<see cref="Tools.ToolDefinitionJson"/>): refused as a schema that does not
    /// compile is, since it is nearly always a schema, and neither served nor pinned.
    /// </summary>
    internal static CatalogRefusal NotIJson(ConnectorConfig connector, string tool, string reason) =>
        new(CatalogRefusalKind.SchemaUncompilable, tool, AllowEntry(connector, tool),
            $"tool {tool} is unavailable: its definition is not I-JSON ({reason}); connectors[{connector.Server}].tools_allow lists it, but agents can neither "
            + "see nor call it, and it cannot be pinned, until the upstream fixes it.");

    /// <summary>The tool's live definition is not its pin (drifted, or the pin was edited by hand).</summary>
    internal static CatalogRefusal Changed(ConnectorConfig connector, string tool, string lockFile, Pins.PinCheck check) =>
        new(CatalogRefusalKind.ToolChanged, tool, AllowEntry(connector, tool), check.State == Pins.PinState.Tampered
            ? $"tool {tool} is withheld: its pin in {lockFile} is not the digest of its own definition (the file was edited by hand). Restore the "
              + $"file, or review the tool and pin it again (portcullis pin --accept {tool})."
            : $"tool {tool} is withheld: it differs from its pin in {lockFile} (changed: {string.Join(", ", check.Changed)}). Review the change, then "
              + $"accept it (portcullis pin --accept {tool}) or roll the upstream back.");

    /// <summary>The upstream lists the tool more than once (with the same or another definition).</summary>
    internal static CatalogRefusal ListedTwice(ConnectorConfig connector, string tool) =>
        new(CatalogRefusalKind.ListedTwice, tool, AllowEntry(connector, tool),
            $"tool {tool} is unavailable: the upstream lists it more than once, so which definition it honours is unknown; connectors[{connector.Server}].tools_allow "
            + "lists it, but agents can neither see nor call it until the upstream lists it once.");

    /// <summary>The upstream client cannot call the tool as listed; the reason (the upstream's words) is logged, not published.</summary>
    internal static CatalogRefusal HeadersInvalid(ConnectorConfig connector, string tool) =>
        new(CatalogRefusalKind.HeadersInvalid, tool, AllowEntry(connector, tool),
            $"tool {tool} is unavailable: its x-mcp-header annotations are invalid (SEP-2243), so a call could not send those parameters as Mcp-Param-* "
            + $"headers; connectors[{connector.Server}].tools_allow lists it, but agents can neither see nor call it until the upstream fixes them (event 1029 in "
            + "the log says why).");

    /// <summary>Pins are on and the tool has none.</summary>
    internal static CatalogRefusal Unpinned(ConnectorConfig connector, string tool, string lockFile) =>
        new(CatalogRefusalKind.ToolUnpinned, tool, AllowEntry(connector, tool),
            $"tool {tool} is withheld: it has no pin in {lockFile}. Review it, then pin it (portcullis pin --accept {tool}).");

    /// <summary>The refusal's kind in one word, as <c>/readyz</c> and the admin API show it.</summary>
    public string Reason => Kind switch
    {
        CatalogRefusalKind.DestructiveNotOptedIn => "destructive",
        CatalogRefusalKind.OverlayLoosens => "loosening_overlay",
        CatalogRefusalKind.ToolChanged => "tool_changed",
        CatalogRefusalKind.ToolUnpinned => "unpinned",
        CatalogRefusalKind.ListedTwice => "listed_twice",
        CatalogRefusalKind.HeadersInvalid => "invalid_header_annotations",
        _ => "uncompilable_schema",
    };

    /// <summary>True for the refusals of pins: withheld until an operator accepts the definition, answered <c>tool_changed</c>.</summary>
    public bool AwaitsReview => Kind is CatalogRefusalKind.ToolChanged or CatalogRefusalKind.ToolUnpinned;

    private static string AllowEntry(ConnectorConfig connector, string tool) =>
        ConfigPaths.Index("tools_allow", connector.ToolsAllow.IndexOf(tool));
}
