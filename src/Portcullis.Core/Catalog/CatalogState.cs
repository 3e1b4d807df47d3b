namespace Portcullis.Core.Catalog;

/// <summary>Where a connector's tool catalog stands.</summary>
public enum CatalogState
{
    /// <summary>The upstream has not listed its tools since the gateway started: nothing can be said about a tool.</summary>
    Unknown,

    /// <summary>Built from the live upstream's latest list.</summary>
    Current,

    /// <summary>The upstream is down; the last list is kept and served, and calls answer unavailable until it is back.</summary>
    Stale,
}
