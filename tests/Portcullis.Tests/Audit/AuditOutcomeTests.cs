using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Audit;

/// <summary>Every outcome a tools/call can meet, produced for real through a real client, is one audit event with its stage and code.</summary>
[Collection(AuditCollection.Name)]
public sealed class AuditOutcomeTests(AuditGateway fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("ok", "allowed", null, null, true)]
    [InlineData("tool_error", "allowed", null, null, true)]
    [InlineData("tool_not_found", "refused", "tool_not_found", "authorize", false)]
    [InlineData("invalid_arguments", "refused", "invalid_arguments", "validate", false)]
    [InlineData("payload_too_large", "refused", "payload_too_large", "validate", false)]
    [InlineData("rate_limited", "refused", "rate_limited", "rate_limit", false)]
    [InlineData("idempotency_key_missing", "refused", "idempotency_key_missing", "idempotency", false)]
    [InlineData("idempotency_key_reused", "refused", "idempotency_key_reused", "idempotency", false)]
    [InlineData("replayed", "replayed", null, "idempotency", false)]
    [InlineData("idempotency_in_progress", "refused", "idempotency_in_progress", "idempotency", false)]
    [InlineData("upstream_error", "failed", "upstream_error", "forward", true)]
    [InlineData("output_schema", "failed", "upstream_error", "output_schema", true)]
    [InlineData("upstream_timeout", "failed", "upstream_timeout", "forward", true)]
    // A write that timed out after it was sent answers outcome-unknown (the timeout is the cause in details).
    [InlineData("write_timeout", "outcome_unknown", "idempotency_outcome_unknown", "forward", true)]
    [InlineData("idempotency_outcome_unknown", "refused", "idempotency_outcome_unknown", "idempotency", false)]
    [InlineData("upstream_unavailable", "failed", "upstream_unavailable", "forward", true)]
    public async Task ToolCall_EachOutcome_IsAuditedWithItsStageAndCode(string scenario, string decision, string? code, string? stage, bool reached)
    {
        await using var client = await McpClients.ConnectAsync(fixture.Gateway.Endpoint(scenario == "upstream_unavailable" ? "remote" : "fx"));
        var marker = Guid.NewGuid().ToString("N");

        var (tool, arguments, result) = await RunAsync(client, scenario, marker);

        var e = await FindAsync(tool, arguments, result);
        Assert.Equal(decision, e["decision"]!.GetValue<string>());
        Assert.Equal(code, e["code"]?.GetValue<string>());
        Assert.Equal(stage, e["stage"]?.GetValue<string>());
        Assert.Equal(reached, e["upstream_reached"]!.GetValue<bool>());
        Assert.Equal(scenario == "replayed", e["replay"]!.GetValue<bool>());
        Assert.Equal("tool_call", e["kind"]!.GetValue<string>());
        Assert.Equal("test", e["environment"]!.GetValue<string>());
        Assert.Equal("anonymous", e["principal"]!.GetValue<string>());
        Assert.Equal(tool, e["tool"]!.GetValue<string>());
        Assert.True(e["duration_ms"]!.GetValue<double>() >= 0);
        Assert.EndsWith("Z", e["time"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(e["arguments"]);
    }

    [Fact]
    public async Task HttpRefusals_StepUpBadTokenAndUnknownConnector_AreAudited()
    {
        var token = await fixture.ConnectorTokenAsync("fixture:read");
        await using (var client = await McpClients.ConnectAsync(fixture.Gateway.Endpoint("sec"), token))
        {
            await Assert.ThrowsAnyAsync<Exception>(() => client.CallToolAsync("typed").AsTask().WaitAsync(Timeout));
        }

        using var http = new HttpClient { Timeout = Timeout };
        using var wrongAudience = new HttpRequestMessage(HttpMethod.Post, fixture.Gateway.Endpoint("sec"))
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", Encoding.UTF8, "application/json"),
        };
        wrongAudience.Headers.Authorization = new("Bearer", await fixture.Admin.TokenAsync());
        wrongAudience.Headers.Accept.ParseAdd("application/json, text/event-stream");
        Assert.Equal(401, (int)(await http.SendAsync(wrongAudience)).StatusCode);
        using var unknown = await http.PostAsync(fixture.Gateway.BaseUrl + "/mcp/no-such-connector", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(404, (int)unknown.StatusCode);

        var stepUp = await fixture.Admin.WaitForEventAsync(fixture.AdminToken, "kind=http_refusal&tool=typed");
        Assert.Equal(("refused", "insufficient_scope", "step_up", "sec", "dev-user"),
            (Text(stepUp, "decision"), Text(stepUp, "code"), Text(stepUp, "stage"), Text(stepUp, "connector"), Text(stepUp, "principal")));
        var refusedToken = await fixture.Admin.WaitForEventAsync(fixture.AdminToken, "kind=http_refusal&code=unauthenticated",
            e => Text(e, "resource") == "/mcp/sec" && Text(e, "detail") == "wrong_audience");
        Assert.Equal("authenticate", Text(refusedToken, "stage"));
        Assert.Null(refusedToken["principal"]);
        Assert.Equal("127.0.0.1", Text(refusedToken, "remote_address"));
        var route = await fixture.Admin.WaitForEventAsync(fixture.AdminToken, "kind=http_refusal&code=not_found", e => Text(e, "resource") == "/mcp/no-such-connector");
        Assert.Equal(("route", "unknown_connector"), (Text(route, "stage"), Text(route, "detail")));
    }

    [Fact]
    public async Task ArgumentValues_ByDefault_AppearNeitherInTheAuditTrailNorInTheLog()
    {
        await using var client = await McpClients.ConnectAsync(fixture.Gateway.Endpoint("fx"));
        var marker = "m" + Guid.NewGuid().ToString("N");

        await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = marker }).AsTask().WaitAsync(Timeout);
        await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = new[] { marker } }).AsTask().WaitAsync(Timeout);
        await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = marker + new string('x', 5000) }).AsTask().WaitAsync(Timeout);
        await client.CallToolAsync("record", new Dictionary<string, object?> { ["note"] = marker, ["idempotency_key"] = marker }).AsTask().WaitAsync(Timeout);
        await client.CallToolAsync("record", new Dictionary<string, object?> { ["note"] = marker + "-2", ["idempotency_key"] = marker }).AsTask().WaitAsync(Timeout);
        var last = await client.CallToolAsync("record", new Dictionary<string, object?> { ["note"] = marker }).AsTask().WaitAsync(Timeout);

        // One writer keeps the events in order: once the last is there, so are the others.
        var correlationId = JsonNode.Parse(last.StructuredContent!.Value.GetRawText())!["error"]!["correlation_id"]!.GetValue<string>();
        await fixture.Admin.WaitForEventAsync(fixture.AdminToken, "correlation_id=" + correlationId);
        var trail = await fixture.Admin.GetJsonAsync("/admin/api/audit?since=10m&limit=1000", fixture.AdminToken);
        Assert.Contains(trail["events"]!.AsArray(), e => e!["tool"]?.GetValue<string>() == "record" && e["decision"]!.GetValue<string>() == "allowed");
        Assert.DoesNotContain(marker, trail.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(marker, fixture.Gateway.Output, StringComparison.Ordinal);
        foreach (var file in Directory.GetFiles(fixture.Gateway.DataDir, "audit.db*"))
        {
            using var copy = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(copy, Encoding.Latin1);
            Assert.DoesNotContain(marker, await reader.ReadToEndAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AdministrativeEvents_ConfigAndCatalogs_AreAudited()
    {
        var loaded = await fixture.Admin.WaitForEventAsync(fixture.AdminToken, "kind=config_loaded");
        Assert.StartsWith("sha256 ", Text(loaded, "detail"), StringComparison.Ordinal);

        var catalog = await fixture.Admin.WaitForEventAsync(fixture.AdminToken, "kind=catalog_changed&connector=fx");
        Assert.StartsWith("10 tool(s); added: ", Text(catalog, "detail"), StringComparison.Ordinal);
        Assert.Contains("seen_meta", Text(catalog, "detail"), StringComparison.Ordinal);
    }

    private async Task<(string Tool, Dictionary<string, object?> Arguments, CallToolResult Result)> RunAsync(McpClient client, string scenario, string marker)
    {
        async Task<(string, Dictionary<string, object?>, CallToolResult)> Call(string tool, Dictionary<string, object?> args) =>
            (tool, args, await client.CallToolAsync(tool, args).AsTask().WaitAsync(Timeout));

        switch (scenario)
        {
            case "ok":
                return await Call("echo", new() { ["text"] = marker });
            case "tool_error":
                return await Call("fail", new() { ["reason"] = marker });
            case "tool_not_found":
                return await Call("no_such_tool_" + marker, new());
            case "invalid_arguments":
                return await Call("echo", new() { ["text"] = 42, ["m"] = marker });
            case "payload_too_large":
                return await Call("echo", new() { ["text"] = new string('x', 5000) + marker });
            case "rate_limited":
                Assert.NotEqual(true, (await client.CallToolAsync("rich").AsTask().WaitAsync(Timeout)).IsError);
                return await Call("rich", new());
            case "idempotency_key_missing":
                return await Call("record", new() { ["note"] = marker });
            case "idempotency_key_reused":
                await Call("record", new() { ["note"] = marker, ["idempotency_key"] = marker });
                return await Call("record", new() { ["note"] = marker + "-other", ["idempotency_key"] = marker });
            case "replayed":
                await Call("record", new() { ["note"] = marker, ["idempotency_key"] = marker });
                return await Call("record", new() { ["note"] = marker, ["idempotency_key"] = marker });
            case "idempotency_in_progress":
                var args = new Dictionary<string, object?> { ["seconds"] = 2, ["note"] = marker, ["idempotency_key"] = marker };
                var first = client.CallToolAsync("slow", args).AsTask();
                await WaitForAsync(() => File.Exists(fixture.RecordPath) && File.ReadAllText(fixture.RecordPath).Contains(marker, StringComparison.Ordinal));
                var repeat = await Call("slow", args);
                await first.WaitAsync(Timeout);
                return repeat;
            case "upstream_error":
                return await Call("protocol_error", new());
            case "output_schema":
                return await Call("typed", new() { ["wrong"] = true });
            case "upstream_timeout":
                return await Call("wait", new() { ["seconds"] = 30 });
            case "write_timeout":
                return await Call("slow", new() { ["seconds"] = 30, ["note"] = marker, ["idempotency_key"] = marker });
            case "idempotency_outcome_unknown":
                await Call("slow", new() { ["seconds"] = 30, ["note"] = marker, ["idempotency_key"] = marker });
                return await Call("slow", new() { ["seconds"] = 30, ["note"] = marker, ["idempotency_key"] = marker });
            case "upstream_unavailable":
                await fixture.Upstream.SetModeAsync("500");
                try
                {
                    return await Call("echo", new() { ["text"] = marker });
                }
                finally
                {
                    await fixture.Upstream.SetModeAsync("normal");
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(scenario));
        }
    }

    /// <summary>The event of this very call: by the correlation id of its error, else by its tool and arguments' fingerprint.</summary>
    private Task<JsonObject> FindAsync(string tool, Dictionary<string, object?> arguments, CallToolResult result)
    {
        if (result.IsError == true && result.StructuredContent is { } structured
            && JsonNode.Parse(structured.GetRawText())!["error"]?["correlation_id"]?.GetValue<string>() is { } correlationId)
        {
            return fixture.Admin.WaitForEventAsync(fixture.AdminToken, "correlation_id=" + correlationId);
        }

        var withoutKey = new JsonObject();
        foreach (var (name, value) in arguments.Where(a => a.Key != "idempotency_key").OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            withoutKey[name] = System.Text.Json.JsonSerializer.SerializeToNode(value);
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(withoutKey.ToJsonString())));
        return fixture.Admin.WaitForEventAsync(fixture.AdminToken, "kind=tool_call&tool=" + Uri.EscapeDataString(tool),
            e => e["arguments_sha256"]?.GetValue<string>() == sha && (result.Meta?["portcullis/replay"] is null || e["replay"]!.GetValue<bool>()));
    }

    private static string? Text(JsonObject e, string name) => e[name]?.GetValue<string>();

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            await Task.Delay(50, cts.Token);
        }
    }
}
