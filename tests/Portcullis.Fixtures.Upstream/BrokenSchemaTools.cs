using System.Text.Json;
using ModelContextProtocol.Server;

namespace Portcullis.Fixtures.Upstream;

/// <summary>Tools whose schemas a 2020-12 validator cannot compile, built with raw schema JSON.</summary>
internal static class BrokenSchemaTools
{
    public static IEnumerable<McpServerTool> Create()
    {
        // Draft-07's array form of "items": not a schema in 2020-12.
        yield return WithSchema("broken_items", """
            {"type":"object","properties":{"tags":{"type":"array","items":[{"type":"string"}]}}}
            """);

        // A reference to a definition that is not there.
        yield return WithSchema("broken_ref", """
            {"type":"object","properties":{"note":{"$ref":"#/$defs/missing"}}}
            """);
    }

    private static McpServerTool WithSchema(string name, string schema)
    {
        var tool = McpServerTool.Create(
            () => "should never be called",
            new McpServerToolCreateOptions { Name = name, Description = "A tool with a schema that does not compile.", ReadOnly = true, Destructive = false });
        using var document = JsonDocument.Parse(schema);
        tool.ProtocolTool.InputSchema = document.RootElement.Clone();
        return tool;
    }
}
