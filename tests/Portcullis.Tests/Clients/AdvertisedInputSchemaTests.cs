using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Portcullis.Tests.Conformance;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Clients;

/// <summary>What the input schemas a client lists advertise is what the gateway accepts.</summary>
[Collection(ConformanceCollection.Name)]
public sealed class AdvertisedInputSchemaTests(SampleGateway sample) : IClassFixture<SampleGateway>
{
    /// <summary>
    /// Before, the sample's add_note advertised <c>visibility</c> as <c>["string", "null"]</c> with <c>default: null</c>
    /// beside the config's enum, and a call following that default was refused <c>invalid_arguments</c>.
    /// </summary>
    [Fact]
    public async Task ListTools_EveryAdvertisedDefaultAndNullType_IsAccepted()
    {
        await using var client = await McpClients.ConnectAsync(sample.Endpoint, sample.Token);
        using var cts = new CancellationTokenSource(Timeouts.Call);
        var tools = await client.ListToolsAsync(cancellationToken: cts.Token);

        var checkedProperties = 0;
        foreach (var tool in tools)
        {
            var schema = JsonNode.Parse(tool.ProtocolTool.InputSchema.GetRawText())!.AsObject();
            foreach (var (name, property) in schema["properties"]?.AsObject() ?? [])
            {
                var evaluator = JsonSchema.Build(JsonSerializer.SerializeToElement(property), new BuildOptions { Dialect = Dialect.Draft202012 });
                if (property!.AsObject().TryGetPropertyValue("default", out var fallback))
                {
                    Assert.True(evaluator.Evaluate(JsonSerializer.SerializeToElement(fallback)).IsValid, $"{tool.Name}.{name}: default {fallback?.ToJsonString() ?? "null"} in {property.ToJsonString()}");
                }

                if (property["type"] is JsonArray types && types.Any(t => t?.ToString() == "null"))
                {
                    Assert.True(evaluator.Evaluate(JsonSerializer.SerializeToElement<JsonNode?>(null)).IsValid, $"{tool.Name}.{name}: type null in {property.ToJsonString()}");
                }

                checkedProperties++;
            }
        }

        Assert.True(checkedProperties > 0);
        var visibility = tools.Single(t => t.Name == "add_note").ProtocolTool.InputSchema.GetProperty("properties").GetProperty("visibility");
        Assert.Equal("string", visibility.GetProperty("type").GetString());
    }
}
