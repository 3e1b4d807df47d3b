using Portcullis.Core.Configuration;

namespace Portcullis.Core.Catalog;

/// <summary>An allow-listed tool the last rebuild withheld, and why; safe to publish (no upstream internals).</summary>
public sealed record CatalogRefusal(string Tool, CatalogRefusalKind Kind, string Detail, string? OverlayPointer = null)
{
    /// <summary>True when the config is at fault: at start-up such a refusal stops the gateway.</summary>
    public bool IsConfigError => Kind is CatalogRefusalKind.Destructive or CatalogRefusalKind.LooseningOverlay;

    /// <summary>The refusal as a configuration error of connector number <paramref name="index"/>, at its JSON path.</summary>
    public ConfigError ToConfigError(ConnectorConfig connector, int index)
    {
        var at = $"$.connectors[{index}]";
        return Kind switch
        {
            CatalogRefusalKind.Destructive => new ConfigError(
                $"{at}.tools_allow[{Math.Max(0, connector.ToolsAllow.IndexOf(Tool))}]",
                $"'{Tool}' is marked destructive by the upstream (or not annotated, which the MCP spec treats as destructive): set tools.{Tool}.allow_destructive: true to expose it deliberately, or remove it from tools_allow"),
            CatalogRefusalKind.LooseningOverlay => new ConfigError(
                $"{at}.tools.{Tool}.input_schema{ConfigSchema.JsonPath(OverlayPointer ?? "")[1..]}",
                $"would loosen the upstream's schema of '{Tool}' ({Detail}); an overlay may only tighten: remove or correct it"),
            _ => new ConfigError($"{at}.tools_allow", $"'{Tool}' is unavailable: {Detail}"),
        };
    }
}
