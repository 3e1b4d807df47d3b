using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Json.Schema;
using Portcullis.Core.Schemas;

namespace Portcullis.Core.Tests.Schemas;

/// <summary>
/// The walk of the library's evaluation paths against its own locations, where those are right: schemas without
/// <c>prefixItems</c> (whose <c>items</c> the library counts wrongly) or embedded resources.
/// </summary>
public sealed class EvaluationPathsTests
{
    private static readonly EvaluationOptions Options = new() { OutputFormat = OutputFormat.List };

    [Fact]
    public void TryWalk_SchemasWithoutTuples_FollowsEveryFailingNodeToWhereTheLibraryReportsIt()
    {
        Gen.Int.Sample(seed =>
        {
            var random = new Random(seed);
            var defs = new JsonObject { ["leaf"] = Leaf(random) };
            var schemaNode = Schema(random, 3);
            schemaNode["$defs"] = defs;
            var instanceNode = Instance(random, schemaNode, defs, 3);
            using var schemaDocument = JsonDocument.Parse(schemaNode.ToJsonString());
            using var instanceDocument = JsonDocument.Parse(instanceNode?.ToJsonString() ?? "null");
            var results = JsonSchema.FromText(schemaNode.ToJsonString()).Evaluate(instanceDocument.RootElement, Options);

            foreach (var node in (results.Details ?? [results]).Where(n => n.Errors is not null))
            {
                var reported = node.InstanceLocation.ToString();
                Assert.True(
                    EvaluationPaths.TryWalk(schemaDocument.RootElement, node.EvaluationPath.ToString(), reported, out var walked, out _, out _),
                    $"the walk stopped on {node.EvaluationPath} in {schemaNode.ToJsonString()}");
                Assert.Equal(reported, walked);
            }
        }, iter: 300);
    }

    private static JsonObject Schema(Random random, int depth) => (depth == 0 ? 0 : random.Next(6)) switch
    {
        0 => Leaf(random),
        1 => new JsonObject { ["$ref"] = "#/$defs/leaf" },
        2 => new JsonObject { ["type"] = "array", ["maxItems"] = 3, ["items"] = Schema(random, depth - 1) },
        3 => new JsonObject { ["allOf"] = new JsonArray(Schema(random, depth - 1)), ["anyOf"] = new JsonArray(Schema(random, depth - 1), Leaf(random)) },
        _ => Object(random, depth),
    };

    private static JsonObject Object(Random random, int depth)
    {
        var properties = new JsonObject();
        foreach (var name in new[] { "a", "b~c", "d/e" }.Take(random.Next(1, 4)))
        {
            properties[name] = Schema(random, depth - 1);
        }

        return new JsonObject
        {
            ["type"] = "object",
            ["required"] = new JsonArray("a"),
            ["properties"] = properties,
            ["additionalProperties"] = random.Next(2) == 0 ? false : Leaf(random),
        };
    }

    private static JsonObject Leaf(Random random) => random.Next(3) switch
    {
        0 => new JsonObject { ["type"] = "integer", ["maximum"] = 5 },
        1 => new JsonObject { ["type"] = "string", ["maxLength"] = 2 },
        _ => new JsonObject { ["enum"] = new JsonArray(1, "x") },
    };

    /// <summary>A value roughly of the schema's shape, often breaking it somewhere below.</summary>
    private static JsonNode? Instance(Random random, JsonObject schema, JsonObject defs, int depth)
    {
        if (schema["$ref"] is not null)
        {
            schema = defs["leaf"]!.AsObject();
        }

        if (depth == 0 || random.Next(8) == 0)
        {
            return Scalar(random);
        }

        if (schema["properties"] is JsonObject properties)
        {
            var value = new JsonObject();
            foreach (var (name, child) in properties)
            {
                if (random.Next(4) > 0)
                {
                    value[name] = Instance(random, child!.AsObject(), defs, depth - 1);
                }
            }

            if (random.Next(3) == 0)
            {
                value["extra"] = Scalar(random);
            }

            return value;
        }

        if (schema["items"] is JsonObject items)
        {
            var value = new JsonArray();
            for (var i = random.Next(5); i > 0; i--)
            {
                value.Add(Instance(random, items, defs, depth - 1));
            }

            return value;
        }

        return schema["allOf"] is JsonArray all ? Instance(random, all[0]!.AsObject(), defs, depth - 1) : Scalar(random);
    }

    private static JsonNode? Scalar(Random random) => random.Next(5) switch
    {
        0 => JsonValue.Create(random.Next(10)),
        1 => JsonValue.Create(new string('s', random.Next(4))),
        2 => JsonValue.Create(true),
        3 => null,
        _ => JsonValue.Create("x"),
    };
}
