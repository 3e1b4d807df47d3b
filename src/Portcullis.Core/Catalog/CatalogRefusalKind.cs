namespace Portcullis.Core.Catalog;

/// <summary>Why an allow-listed tool is withheld from the catalog.</summary>
public enum CatalogRefusalKind
{
    /// <summary>Destructive (by annotation, or unannotated) without <c>allow_destructive</c>: <c>serve</c> refuses the config.</summary>
    DestructiveNotOptedIn,

    /// <summary>The config's <c>input_schema</c> overlay would loosen the upstream's schema: <c>serve</c> refuses the config.</summary>
    OverlayLoosens,

    /// <summary>The upstream's input or output schema does not compile; the upstream's fault, not the config's: the tool is unavailable.</summary>
    SchemaUncompilable,

    /// <summary>Pins are on and the live definition differs from its pin (or the pin was edited): withheld until an operator accepts it.</summary>
    ToolChanged,

    /// <summary>Pins are on and the tool has no pin: withheld until an operator reviews and pins it.</summary>
    ToolUnpinned,

    /// <summary>The upstream lists the tool more than once: which definition it honours is unknown, so the tool is unavailable.</summary>
    ListedTwice,

    /// <summary>The tool's <c>x-mcp-header</c> annotations are invalid (SEP-2243): a call could not carry them as headers, so the tool is unavailable.</summary>
    HeadersInvalid,
}
