using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using ModelContextProtocol.Client;
using Portcullis.Tests.Conformance;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Clients;

/// <summary>
/// The clients people use see the gateway's errors on a tool that declares an outputSchema: the C# SDK client, the
/// official TypeScript SDK clients (1.x checks structured results against the schema even for errors; 2.x only
/// for results), the 1.x client through mcp-remote (how Claude Desktop reaches a gateway, as the README configures it)
/// and the MCP Inspector CLI (which checks both), each pinned in tests/conformance/package.json.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class ErrorEnvelopeClientTests(SampleGateway sample) : IClassFixture<SampleGateway>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task CSharpSdkClient_SeesEachEnvelope_AndTheAdvertisedOutputSchemaAdmitsEveryResult()
    {
        await using var client = await McpClients.ConnectAsync(sample.Endpoint, sample.Token);
        using var cts = new CancellationTokenSource(Timeout);
        var tools = await client.ListToolsAsync(cancellationToken: cts.Token);
        var schemas = tools.ToDictionary(t => t.Name, t => JsonSchema.Build(t.ProtocolTool.OutputSchema!.Value, new BuildOptions { Dialect = Dialect.Draft202012 }));

        foreach (var call in EnvelopeCalls.For(Guid.NewGuid().ToString("N")))
        {
            var arguments = call.Arguments.ToDictionary(p => p.Key, p => (object?)JsonSerializer.Deserialize<JsonElement>(p.Value!.ToJsonString()));
            var result = await client.CallToolAsync(call.Tool, arguments, cancellationToken: cts.Token);

            EnvelopeCalls.AssertOutcome(call, JsonSerializer.SerializeToNode(result)!.AsObject());
            var evaluation = schemas[call.Tool].Evaluate(result.StructuredContent!.Value, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(evaluation.IsValid, $"{call.Tool} -> {result.StructuredContent}");
        }
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    [InlineData("mcp-remote")]
    public async Task TypeScriptSdkClient_SeesEachEnvelope(string line)
    {
        var calls = EnvelopeCalls.For(Guid.NewGuid().ToString("N"));
        var payload = new JsonArray([.. calls.Select(c => (JsonNode)new JsonObject { ["name"] = c.Tool, ["arguments"] = c.Arguments.DeepClone() })]);

        var run = await NodeTools.RunAsync(NodeTools.TypeScriptClient, [line, sample.Endpoint.ToString(), sample.Token, payload.ToJsonString()], Timeout);

        Assert.True(run.ExitCode == 0, run.Output);
        var outcomes = JsonNode.Parse(run.Stdout)!.AsArray();
        Assert.Equal(calls.Count, outcomes.Count);
        foreach (var (call, outcome) in calls.Zip(outcomes))
        {
            Assert.True(outcome!["result"] is JsonObject, $"{call.Tool} {call.Arguments.ToJsonString()}: the client threw {outcome["thrown"]}");
            EnvelopeCalls.AssertOutcome(call, outcome["result"]!.AsObject());
        }
    }

    [Fact]
    public async Task InspectorCli_SeesEachEnvelope()
    {
        foreach (var call in EnvelopeCalls.For(Guid.NewGuid().ToString("N")))
        {
            List<string> arguments =
            [
                "--cli", sample.Endpoint.ToString(), "--transport", "http", "--header", $"Authorization: Bearer {sample.Token}",
                "--method", "tools/call", "--tool-name", call.Tool, "--tool-arg",
                .. call.Arguments.Select(p => $"{p.Key}={p.Value!.GetValue<string>()}"),
            ];

            var run = await NodeTools.RunAsync(NodeTools.Inspector, arguments, Timeout);

            // The CLI exits 5 for a tool result with isError: true, 0 for a plain one, 1 when it could not read the result.
            Assert.True(run.ExitCode == (call.Code is null ? 0 : 5), run.Output);
            EnvelopeCalls.AssertOutcome(call, JsonNode.Parse(run.Stdout)!.AsObject());
        }
    }
}
