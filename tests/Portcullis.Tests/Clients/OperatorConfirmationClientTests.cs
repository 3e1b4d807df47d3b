using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using Portcullis.Tests.Conformance;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Clients;

/// <summary>
/// The official TypeScript SDK clients (pinned in tests/conformance/package.json) check a result's structuredContent
/// against the tool's advertised outputSchema and refuse one that does not match: the answer an operator's settling of
/// an outcome-unknown write gives its retries must pass that check, as the upstream's own answers do.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class OperatorConfirmationClientTests(ConfirmationGateway fixture) : IClassFixture<ConfirmationGateway>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task TypeScriptSdkClient_RetryOfAnOperatorConfirmedWrite_AcceptsTheConfirmationAndTheUpstreamIsNotCalledAgain(string line)
    {
        var key = Guid.NewGuid().ToString("N");
        var confirmed = new JsonObject { ["note"] = "confirm-" + key, ["seconds"] = 30, ["idempotency_key"] = key };
        var plain = new JsonObject { ["note"] = "plain-" + key, ["seconds"] = 0, ["idempotency_key"] = key + "-plain" };
        var correlationId = await OutcomeUnknownAsync(confirmed);
        await SettleAsExecutedAsync(key, "the ledger shows the write");

        // The script lists the tools first, so the client holds each tool's outputSchema and checks every result against it.
        var payload = new JsonArray(Call(plain), Call(confirmed));
        var run = await NodeTools.RunAsync(NodeTools.TypeScriptClient, [line, fixture.Endpoint.ToString(), "", payload.ToJsonString()], Timeout);

        Assert.True(run.ExitCode == 0, run.Output);
        var outcomes = JsonNode.Parse(run.Stdout)!.AsArray();
        Assert.Equal(2, outcomes.Count);
        var normal = Accepted(outcomes[0]!, plain);
        Assert.Equal(plain["note"]!.GetValue<string>().Length, normal["structuredContent"]!["count"]!.GetValue<int>());
        var retry = Accepted(outcomes[1]!, confirmed);
        var confirmation = retry["structuredContent"]!["operator_confirmed"]!.AsObject();
        Assert.Equal(correlationId, confirmation["correlation_id"]!.GetValue<string>());
        Assert.Equal("the ledger shows the write", confirmation["note"]!.GetValue<string>());
        Assert.Equal(retry["content"]!.AsArray().Single()!["text"]!.GetValue<string>(), confirmation["message"]!.GetValue<string>());
        Assert.True(retry["_meta"]!["portcullis/operator_confirmed"]!.GetValue<bool>());
        Assert.Single(Witness.Recorded(fixture.RecordPath, "typed_write", confirmed["note"]!.GetValue<string>()));
        Assert.Single(Witness.Recorded(fixture.RecordPath, "typed_write", plain["note"]!.GetValue<string>()));
    }

    /// <summary>Makes the call through the C# SDK client until the gateway gives up on it; returns its correlation id.</summary>
    private async Task<string> OutcomeUnknownAsync(JsonObject arguments)
    {
        await using var client = await McpClients.ConnectAsync(fixture.Endpoint);
        var args = arguments.ToDictionary(p => p.Key, p => (object?)JsonSerializer.Deserialize<JsonElement>(p.Value!.ToJsonString()));
        var result = await client.CallToolAsync("typed_write", args).AsTask().WaitAsync(Timeout);
        Assert.Equal("idempotency_outcome_unknown", Witness.ErrorCode(result));
        Assert.Single(Witness.Recorded(fixture.RecordPath, "typed_write", arguments["note"]!.GetValue<string>()));
        return Witness.Error(result)["correlation_id"]!.GetValue<string>();
    }

    /// <summary>Settles the key on the admin plane as an operator who checked that the write took effect.</summary>
    private async Task SettleAsExecutedAsync(string key, string note)
    {
        var list = await fixture.Admin.GetJsonAsync($"/admin/api/idempotency?state=outcome_unknown&key={key}", fixture.AdminToken).WaitAsync(Timeout);
        var id = Assert.Single(list["records"]!.AsArray())!["id"]!.GetValue<string>();
        var (status, body, _) = await fixture.Admin.SendAsync(HttpMethod.Post, $"/admin/api/idempotency/{id}/resolve", fixture.AdminToken,
            new JsonObject { ["executed"] = true, ["note"] = note }).WaitAsync(Timeout);
        Assert.True(status == 200, body?.ToJsonString());
    }

    private static JsonObject Call(JsonObject arguments) => new() { ["name"] = "typed_write", ["arguments"] = arguments.DeepClone() };

    /// <summary>The result the client returned, after checking it neither threw (a schema failure throws) nor is an error.</summary>
    private static JsonObject Accepted(JsonNode outcome, JsonObject arguments)
    {
        var because = $"typed_write {arguments.ToJsonString()}";
        Assert.True(outcome["result"] is JsonObject, $"{because}: the client threw {outcome["thrown"]}");
        var result = outcome["result"]!.AsObject();
        Assert.True(result["isError"]?.GetValue<bool>() != true, $"{because} -> {result.ToJsonString()}");
        return result;
    }
}
