using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Core.Schemas;

namespace Portcullis.Core.Tests.Schemas;

internal static class SchemaTestJson
{
    public static JsonElement Element(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static JsonElement Element(JsonNode node) => Element(node.ToJsonString());

    public static CompiledSchema Compile(JsonElement schema) =>
        SchemaCompiler.TryCompile(schema, out var failure) ?? throw new InvalidOperationException(failure);

    /// <summary>The arguments object {"v": value}.</summary>
    public static JsonElement Arguments(JsonNode? value) => Element(new JsonObject { ["v"] = value?.DeepClone() });
}
