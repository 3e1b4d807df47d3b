namespace Portcullis.Core.Catalog;

/// <summary>Why an allow-listed tool is withheld from the catalog.</summary>
public enum CatalogRefusalKind
{
    /// <summary>The upstream marks it destructive (or leaves it unannotated) and the config did not opt in.</summary>
    Destructive,

    /// <summary>The config's <c>input_schema</c> overlay would loosen the upstream's schema.</summary>
    LooseningOverlay,

    /// <summary>The upstream's input or output schema does not compile; the upstream's fault, not the config's.</summary>
    UncompilableSchema,
}
