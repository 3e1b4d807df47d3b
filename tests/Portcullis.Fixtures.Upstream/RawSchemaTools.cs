using System.Text.Json;
using ModelContextProtocol.Server;

namespace Portcullis.Fixtures.Upstream;

/// <summary>Tools declared with raw schema JSON: one tight schema, and some the gateway cannot use (a 2020-12 validator cannot compile them, or checking a value against them never ends).</summary>
internal static class RawSchemaTools
{
    public static IEnumerable<McpServerTool> Create()
    {
        // Already tight upstream, so overlays that would loosen it can be told apart.
        yield return WithSchema("strict", """
            {"type":"object","required":["code"],"additionalProperties":false,
             "properties":{"code":{"type":"string","maxLength":8,"enum":["alpha","beta","gamma"]},
                           "level":{"type":"integer","minimum":1,"maximum":5}}}
            """);

        // A write that reads the idempotency key itself, with rules of its own for it (shorter than the gateway's).
        yield return WithSchema("keyed_write", """
            {"type":"object","required":["idempotency_key"],
             "properties":{"note":{"type":"string"},"idempotency_key":{"type":"string","maxLength":8,"pattern":"^[a-z0-9-]+$"}}}
            """);

        // A write closed in a subschema: its allOf entry takes only "note", so it takes no idempotency_key either.
        yield return WithSchema("closed_write", """
            {"type":"object","allOf":[{"properties":{"note":{"type":"string"}},"required":["note"],"additionalProperties":false}]}
            """);

        // An array of strings, to tighten item by item.
        yield return WithSchema("tags", """
            {"type":"object","properties":{"tags":{"type":"array","items":{"type":"string"}}}}
            """);

        // The same, declaring its draft as TypeScript servers' schemas do: the gateway's keywords must hold under it too.
        yield return WithSchema("declared_tags", """
            {"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"tags":{"type":"array","items":{"type":"string"}}}}
            """);

        // Draft-07's array form of "items": not a schema in 2020-12.
        yield return WithSchema("broken_items", """
            {"type":"object","properties":{"tags":{"type":"array","items":[{"type":"string"}]}}}
            """);

        // A reference to a definition that is not there.
        yield return WithSchema("broken_ref", """
            {"type":"object","properties":{"note":{"$ref":"#/$defs/missing"}}}
            """);
        // Subschemas that apply themselves to the same value for ever: checking a call overflowed the gateway's stack.
        yield return WithSchema("broken_loop", """
            {"type":"object","allOf":[{"$ref":"#"}]}
            """);
        // Every level reaches the next along two references: checking a value n levels deep follows 2^n of them.
        yield return WithSchema("branching_ref", """
            {"type":"object","properties":{"a":{"$ref":"#/$defs/node"}},
             "$defs":{"node":{"anyOf":[{"type":"object","required":["a"],"properties":{"a":{"$ref":"#/$defs/node"}}},
                                       {"type":"object","required":["a"],"properties":{"a":{"$ref":"#/$defs/node"}}},
                                       {"const":"leaf"}]}}}
            """);
        yield return WithSchema("broken_loop_in_resource", """
            {"type":"object","properties":{"x":{"$id":"urn:portcullis:loop","anyOf":[{"$ref":"#"}]}}}
            """);
    }

    private static McpServerTool WithSchema(string name, string schema)
    {
        var tool = McpServerTool.Create(
            () => "called " + name,
            new McpServerToolCreateOptions { Name = name, Description = "A tool declared with a raw schema.", ReadOnly = true, Destructive = false });
        using var document = JsonDocument.Parse(schema);
        tool.ProtocolTool.InputSchema = document.RootElement.Clone();
        return tool;
    }
}
