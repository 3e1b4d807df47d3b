using System.Text.Json.Nodes;

namespace Portcullis.Tests.Infrastructure;

/// <summary>One config whose fixture connector allow-lists a tool the catalog keeps out, and the words that say so.</summary>
internal sealed record CatalogRefusalCase(string Name, string Id, bool ServeRefuses, string Path, JsonObject Config, string[] Texts)
{
    public override string ToString() => Name;
}
