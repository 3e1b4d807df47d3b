using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Schemas;

/// <summary>Arguments validated against the effective (tightened) schema, through a real client.</summary>
public sealed class SchemaValidationTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private GatewayProcess _gateway = null!;

    private string RecordPath => _dir.File("record.jsonl");

    public async Task InitializeAsync()
    {
        var tools = new JsonObject
        {
            ["record"] = Tool("""
                {"required": ["note"], "additionalProperties": false,
                 "properties": {"note": {"minLength": 2, "maxLength": 5, "pattern": "^[a-z]+$"},
                                "count": {"type": "integer", "minimum": 1, "maximum": 10},
                                "visibility": {"enum": ["internal", "shared"]}}}
                """),
            ["slow"] = Tool("""{"properties": {"seconds": {"exclusiveMinimum": 0, "exclusiveMaximum": 5}}}"""),
            ["echo"] = Tool("""{"properties": {"text": {"format": "date"}}}"""),
            ["strict"] = Tool("""{"properties": {"code": {"maxLength": 5, "enum": ["alpha", "beta"]}}}"""),
            ["tags"] = new JsonObject { ["read_only"] = true, ["input_schema"] = JsonNode.Parse("""{"properties": {"tags": {"items": {"format": "relative-json-pointer"}}}}""") },
        };
        var fixture = TestConfig.FixtureConnector("fixture", ["record", "slow", "slow_read", "echo", "strict", "tags", "typed", "broken_items", "broken_ref", "broken_loop", "broken_loop_in_resource"], RecordPath, tools);
        var warn = TestConfig.FixtureConnector("warned", ["typed"], tools: new JsonObject { ["typed"] = new JsonObject { ["output_schema"] = "warn" } });
        var crm = TestConfig.CrmConnector(tools: new JsonObject { ["add_note"] = SampleAddNotePolicy() });
        var config = TestConfig.Gateway(fixture, warn, crm);
        config["limits"] = new JsonObject { ["max_body_bytes"] = 65536, ["max_depth"] = 16, ["max_string_length"] = 4000, ["max_values"] = 1000 };
        _gateway = await GatewayProcess.StartAsync(TestConfig.Write(_dir, config), _dir.File("data"));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _dir.Dispose();
    }

    [Theory]
    [InlineData("record", """{"note": "abc", "visibility": "public"}""", "/visibility", "enum", "must be one of: internal, shared")]
    [InlineData("record", """{"note": "abcdefgh"}""", "/note", "maxLength", "at most 5 characters")]
    [InlineData("record", """{"note": "a"}""", "/note", "minLength", "at least 2 characters")]
    [InlineData("record", """{"note": "ABC"}""", "/note", "pattern", "^[a-z]+$")]
    [InlineData("record", """{"note": "abc", "count": 0}""", "/count", "minimum", "at least 1")]
    [InlineData("record", """{"note": "abc", "count": 11}""", "/count", "maximum", "at most 10")]
    [InlineData("record", """{"note": "abc", "count": null}""", "/count", "type", "an integer")]
    [InlineData("record", """{"note": "abc", "count": 3.0000000000000001}""", "/count", "type", "an integer")]
    [InlineData("record", """{"count": 3}""", "/note", "required", "is required")]
    [InlineData("record", """{"note": "abc", "extra": 1}""", "/extra", "additionalProperties", "accepted: note")]
    [InlineData("slow", """{"seconds": 0}""", "/seconds", "exclusiveMinimum", "greater than 0")]
    [InlineData("slow", """{"seconds": 5}""", "/seconds", "exclusiveMaximum", "less than 5")]
    [InlineData("slow", """{"seconds": 1e-400}""", "/seconds", "exclusiveMinimum", "greater than 0")]
    [InlineData("slow", """{"seconds": 4.99999999999999999999}""", "/seconds", "exclusiveMaximum", "less than 5")]
    [InlineData("echo", """{"text": "not a date"}""", "/text", "format", "valid date")]
    [InlineData("strict", """{"code": "gamma"}""", "/code", "enum", "must be one of: alpha, beta")]
    [InlineData("tags", """{"tags": ["0/a", "\u0661/a"]}""", "/tags/1", "format", "valid relative-json-pointer")]
    [InlineData("tags", """{"tags": ["01#"]}""", "/tags/0", "format", "valid relative-json-pointer")]
    public async Task CallTool_ArgumentsBreakOverlayKeyword_ReturnsInvalidArgumentsWithPath(string tool, string arguments, string path, string keyword, string message)
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));

        var result = await client.CallToolAsync(tool, Arguments(arguments), cancellationToken: Timeouts.CallToken);

        var error = ErrorOf(result);
        Assert.Equal("invalid_arguments", error["code"]!.GetValue<string>());
        Assert.False(error["retryable"]!.GetValue<bool>());
        var detail = Assert.Single(Details(error), d => d.Path == path && d.Keyword == keyword);
        Assert.Contains(message, detail.Message, StringComparison.Ordinal);
    }

    /// <summary>The library's own format check threw on a non-ASCII digit or a prefix past 32 bits: the call ended <c>internal</c>.</summary>
    [Fact]
    public async Task CallTool_RelativePointersTheLibraryCouldNotParse_AreJudgedByTheirGrammar()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));

        var accepted = await client.CallToolAsync("tags", Arguments("""{"tags": ["0/a", "99999999999999999999#", "1+99999999999999999999/~0"]}"""), cancellationToken: Timeouts.CallToken);
        var refused = await client.CallToolAsync("tags", Arguments("""{"tags": ["\u0663#", "1\u0663", "1#/a"]}"""), cancellationToken: Timeouts.CallToken);

        Assert.NotEqual(true, accepted.IsError);
        var error = ErrorOf(refused);
        Assert.Equal("invalid_arguments", error["code"]!.GetValue<string>());
        Assert.Equal(["/tags/0", "/tags/1", "/tags/2"], Details(error).Select(d => d.Path).Order(StringComparer.Ordinal));
        Assert.All(Details(error), d => Assert.Equal("format", d.Keyword));
    }

    [Fact]
    public async Task CallTool_SeveralViolations_ReportsEveryOneWithItsPath()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));

        var result = await client.CallToolAsync("record", Arguments("""{"note": "ABCDEFGH", "visibility": "x", "count": 99, "extra": true}"""), cancellationToken: Timeouts.CallToken);

        var details = Details(ErrorOf(result));
        Assert.Contains(("/note", "maxLength"), details.Select(d => (d.Path, d.Keyword)));
        Assert.Contains(("/note", "pattern"), details.Select(d => (d.Path, d.Keyword)));
        Assert.Contains(("/visibility", "enum"), details.Select(d => (d.Path, d.Keyword)));
        Assert.Contains(("/count", "maximum"), details.Select(d => (d.Path, d.Keyword)));
        Assert.Contains(("/extra", "additionalProperties"), details.Select(d => (d.Path, d.Keyword)));
        var text = JsonNode.Parse(Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text)!["error"]!;
        Assert.Equal(details.Count, text["details"]!.AsArray().Count);
    }

    [Fact]
    public async Task CallTool_InvalidArguments_NeverReachTheUpstream()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));

        var refused = await client.CallToolAsync("record", Arguments("""{"note": "TOOLONGNOTE", "visibility": "public"}"""), cancellationToken: Timeouts.CallToken);
        var accepted = await client.CallToolAsync("record", Arguments("""{"note": "fine", "count": 3, "visibility": "shared", "idempotency_key": "k-witness"}"""), cancellationToken: Timeouts.CallToken);

        Assert.True(refused.IsError);
        Assert.NotEqual(true, accepted.IsError);
        var recorded = Recorded();
        Assert.Single(recorded, line => line.Contains("k-witness", StringComparison.Ordinal));
        Assert.DoesNotContain(recorded, line => line.Contains("TOOLONGNOTE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ToolsList_ShowsTheEffectiveSchema()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));

        var tools = await client.ListToolsAsync(cancellationToken: Timeouts.CallToken);

        var record = JsonNode.Parse(tools.Single(t => t.Name == "record").JsonSchema.GetRawText())!;
        Assert.Equal(["internal", "shared"], record["properties"]!["visibility"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(5, record["properties"]!["note"]!["maxLength"]!.GetValue<int>());
        Assert.False(record["additionalProperties"]!.GetValue<bool>());
        Assert.Contains("note", record["required"]!.AsArray().Select(v => v!.GetValue<string>()));
        var strict = JsonNode.Parse(tools.Single(t => t.Name == "strict").JsonSchema.GetRawText())!;
        Assert.Equal(5, strict["properties"]!["code"]!["maxLength"]!.GetValue<int>());
    }

    [Fact]
    public async Task UncompilableSchemas_MakeOnlyThoseToolsUnavailable()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));

        var tools = await client.ListToolsAsync(cancellationToken: Timeouts.CallToken);
        var items = await client.CallToolAsync("broken_items", cancellationToken: Timeouts.CallToken);
        var loop = await client.CallToolAsync("broken_loop", Arguments("""{"x": 1}"""), cancellationToken: Timeouts.CallToken);
        var loopInResource = await client.CallToolAsync("broken_loop_in_resource", Arguments("""{"x": 1}"""), cancellationToken: Timeouts.CallToken);
        var echo = await client.CallToolAsync("echo", Arguments("""{"text": "2026-11-25"}"""), cancellationToken: Timeouts.CallToken);

        Assert.DoesNotContain(tools, t => t.Name.StartsWith("broken_", StringComparison.Ordinal));
        Assert.Contains(tools, t => t.Name == "record");
        Assert.Equal("tool_not_found", ErrorOf(items)["code"]!.GetValue<string>());
        Assert.Equal("tool_not_found", ErrorOf(loop)["code"]!.GetValue<string>());
        Assert.Equal("tool_not_found", ErrorOf(loopInResource)["code"]!.GetValue<string>());
        Assert.Equal("2026-11-25", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
        Assert.Contains("tool broken_items is unavailable: its schema does not compile", _gateway.Output, StringComparison.Ordinal);
        Assert.Contains("tool broken_ref is unavailable: its schema does not compile", _gateway.Output, StringComparison.Ordinal);
        Assert.Contains("tool broken_loop is unavailable: its schema does not compile", _gateway.Output, StringComparison.Ordinal);
        Assert.Contains("checking any value would never end", _gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_ResultWithMoreValuesThanMaxValues_IsNotJudgedAndAnswersUpstreamError()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));

        // count and padding are two values, each item of padding one more: 1,000 at most, as limits.max_values says here.
        var within = await client.CallToolAsync("typed", new Dictionary<string, object?> { ["padding"] = 998 }, cancellationToken: Timeouts.CallToken);
        var past = await client.CallToolAsync("typed", new Dictionary<string, object?> { ["padding"] = 999 }, cancellationToken: Timeouts.CallToken);

        Assert.NotEqual(true, within.IsError);
        Assert.Equal(998, within.StructuredContent!.Value.GetProperty("padding").GetArrayLength());
        var error = ErrorOf(past);
        Assert.Equal("upstream_error", error["code"]!.GetValue<string>());
        Assert.Contains("more than the 1000 values the gateway checks against the tool's declared output schema (limits.max_values)", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        await _gateway.WaitForOutputAsync(
            $"Call {error["correlation_id"]!.GetValue<string>()}: fixture/typed structuredContent holds more than 1000 values (limits.max_values; the first past it at /padding/998) and was not checked against the tool's outputSchema: answered upstream_error",
            TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task CallTool_ResultWithMoreValuesThanMaxValuesWithWarn_PassesUncheckedAndLogs()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("warned"));

        var result = await client.CallToolAsync("typed", new Dictionary<string, object?> { ["padding"] = 5000 }, cancellationToken: Timeouts.CallToken);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal(5000, result.StructuredContent!.Value.GetProperty("padding").GetArrayLength());
        await _gateway.WaitForOutputAsync("warned/typed structuredContent holds more than 1000 values", TimeSpan.FromSeconds(30));
        await _gateway.WaitForOutputAsync("was not checked against the tool's outputSchema: passed on unchecked (output_schema: warn)", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task CallTool_OutputSchemaMismatch_ReturnsUpstreamError()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));

        var right = await client.CallToolAsync("typed", Arguments("""{"wrong": false}"""), cancellationToken: Timeouts.CallToken);
        var wrong = await client.CallToolAsync("typed", Arguments("""{"wrong": true}"""), cancellationToken: Timeouts.CallToken);

        Assert.NotEqual(true, right.IsError);
        Assert.Equal(3, right.StructuredContent!.Value.GetProperty("count").GetInt32());
        var error = ErrorOf(wrong);
        Assert.Equal("upstream_error", error["code"]!.GetValue<string>());
        Assert.DoesNotContain("not a number", error.ToJsonString(), StringComparison.Ordinal);
        await _gateway.WaitForOutputAsync($"Call {error["correlation_id"]!.GetValue<string>()}: fixture/typed structuredContent does not match", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task CallTool_UpstreamResultShapedLikeTheErrorEnvelope_IsCheckedAgainstTheUpstreamsOwnSchema()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));

        var tools = await client.ListToolsAsync();
        var mimic = await client.CallToolAsync("typed", Arguments("""{"envelope": true}"""));

        // Agents see a schema that also admits the envelope (and an operator's confirmation); the upstream's result must still match its own.
        var advertised = tools.Single(t => t.Name == "typed").ProtocolTool.OutputSchema!.Value;
        Assert.Equal(3, advertised.GetProperty("anyOf").GetArrayLength());
        Assert.Equal("upstream_error", ErrorOf(mimic)["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task CallTool_OutputSchemaMismatchWithWarn_PassesAndLogs()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("warned"));

        var wrong = await client.CallToolAsync("typed", Arguments("""{"wrong": true}"""), cancellationToken: Timeouts.CallToken);

        Assert.NotEqual(true, wrong.IsError);
        Assert.Equal("not a number", wrong.StructuredContent!.Value.GetProperty("count").GetString());
        await _gateway.WaitForOutputAsync("warned/typed structuredContent does not match the tool's outputSchema (output_schema: warn, passed on)", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task CallTool_ArgumentsNestedTooDeep_ReturnsPayloadTooLargeAndKeepsServing()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));
        JsonNode deep = "bottom";
        for (var i = 0; i < 30; i++)
        {
            deep = new JsonObject { ["n"] = deep };
        }

        var result = await client.CallToolAsync("record", new Dictionary<string, object?> { ["note"] = deep }, cancellationToken: Timeouts.CallToken);
        var after = await client.CallToolAsync("echo", Arguments("""{"text": "2026-01-02"}"""), cancellationToken: Timeouts.CallToken);

        var error = ErrorOf(result);
        Assert.Equal("payload_too_large", error["code"]!.GetValue<string>());
        var detail = Assert.Single(Details(error));
        Assert.Equal("max_depth", detail.Keyword);
        Assert.StartsWith("/note/n/n", detail.Path, StringComparison.Ordinal);
        Assert.Equal("2026-01-02", Assert.IsType<TextContentBlock>(Assert.Single(after.Content)).Text);
        Assert.DoesNotContain(Recorded(), line => line.Contains("bottom", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CallTool_StringTooLong_ReturnsPayloadTooLarge()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));

        var result = await client.CallToolAsync("record", new Dictionary<string, object?> { ["note"] = new string('a', 5000) }, cancellationToken: Timeouts.CallToken);

        var error = ErrorOf(result);
        Assert.Equal("payload_too_large", error["code"]!.GetValue<string>());
        Assert.Equal(("/note", "max_string_length"), Details(error).Select(d => (d.Path, d.Keyword)).Single());
        Assert.DoesNotContain(Recorded(), line => line.Contains("aaaaaaaaaa", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("-1E+400")]
    [InlineData("179769313486231590000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000")]
    public async Task CallTool_ReadWithANumberBeyondADouble_ReturnsPayloadTooLargeAndNeverReachesTheUpstream(string number)
    {
        // slow_read's upstream schema is a bare {"type": "number"}, which any JSON number passes; the upstream reads this
        // one as infinity (and would wait for ever, or fail).
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));

        var result = await client.CallToolAsync("slow_read", Arguments($$"""{"seconds": {{number}}}"""), cancellationToken: Timeouts.CallToken);
        var largest = await client.CallToolAsync("slow_read", Arguments("""{"seconds": 1e-400}"""), cancellationToken: Timeouts.CallToken);

        var error = ErrorOf(result);
        Assert.Equal("payload_too_large", error["code"]!.GetValue<string>());
        Assert.Equal(("/seconds", "max_number"), Details(error).Select(d => (d.Path, d.Keyword)).Single());
        Assert.Equal("slept 0s", Assert.IsType<TextContentBlock>(Assert.Single(largest.Content)).Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_BodyLargerThanLimit_Answers413WithJsonAndKeepsServing(bool chunked)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"" + new string('x', 100_000) + "\"}}}";
        using var request = new HttpRequestMessage(HttpMethod.Post, _gateway.Endpoint("fixture"))
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.TransferEncodingChunked = chunked;

        using var response = await http.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("payload_too_large", json["error"]!["data"]!["error"]!["code"]!.GetValue<string>());
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Post_BodyNestedPastTheTransportDepth_Answers413WithJsonAndKeepsServing()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var deep = string.Concat(Enumerable.Repeat("{\"n\":", 200)) + "1" + new string('}', 200);
        var body = """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"record","arguments":{"note":""" + deep + "}}}";
        using var request = new HttpRequestMessage(HttpMethod.Post, _gateway.Endpoint("fixture"))
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");

        using var response = await http.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("payload_too_large", json["error"]!["data"]!["error"]!["code"]!.GetValue<string>());
        Assert.Contains("64 levels", json["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        await AssertStillServesAsync();
        Assert.DoesNotContain(Recorded(), line => line.Contains("\"n\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SampleAddNote_OverlayEnforcedOnTheCrm()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("crm"));

        var tooLong = await client.CallToolAsync("add_note", new Dictionary<string, object?> { ["contact_id"] = "c-1001", ["body"] = new string('b', 2001), ["visibility"] = "public" }, cancellationToken: Timeouts.CallToken);
        var missing = await client.CallToolAsync("add_note", new Dictionary<string, object?> { ["visibility"] = "shared" }, cancellationToken: Timeouts.CallToken);
        var fine = await client.CallToolAsync("add_note", new Dictionary<string, object?> { ["contact_id"] = "c-1001", ["body"] = new string('b', 2000), ["visibility"] = "shared", ["idempotency_key"] = "sample-1" }, cancellationToken: Timeouts.CallToken);
        var notes = await client.CallToolAsync("list_notes", new Dictionary<string, object?> { ["contact_id"] = "c-1001" }, cancellationToken: Timeouts.CallToken);

        var tooLongDetails = Details(ErrorOf(tooLong)).Select(d => (d.Path, d.Keyword, d.Message)).ToList();
        Assert.Contains(("/body", "maxLength", "must be at most 2000 characters long (got 2001)"), tooLongDetails);
        Assert.Contains(("/visibility", "enum", "must be one of: internal, shared"), tooLongDetails);
        var missingDetails = Details(ErrorOf(missing)).Select(d => (d.Path, d.Keyword)).ToList();
        Assert.Contains(("/contact_id", "required"), missingDetails);
        Assert.Contains(("/body", "required"), missingDetails);
        Assert.NotEqual(true, fine.IsError);
        Assert.DoesNotContain(new string('b', 2001), notes.StructuredContent!.Value.GetRawText(), StringComparison.Ordinal);
        Assert.Contains(new string('b', 2000), notes.StructuredContent!.Value.GetRawText(), StringComparison.Ordinal);
    }

    /// <summary>What the upstream received, one JSON line per call (shared by the tests of this class).</summary>
    private string[] Recorded() => File.Exists(RecordPath) ? File.ReadAllLines(RecordPath) : [];

    private async Task AssertStillServesAsync()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));
        var echo = await client.CallToolAsync("echo", Arguments("""{"text": "2026-03-04"}"""), cancellationToken: Timeouts.CallToken);
        Assert.Equal("2026-03-04", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
    }

    /// <summary>The add_note policy exactly as the sample config declares it, minus scopes (the test connector is anonymous).</summary>
    private static JsonObject SampleAddNotePolicy()
    {
        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "samples", "crm", "portcullis.json")))!;
        var addNote = sample["connectors"]![0]!["tools"]!["add_note"]!.DeepClone().AsObject();
        addNote.Remove("scopes");
        return addNote;
    }

    private static JsonObject Tool(string overlay) => new() { ["input_schema"] = JsonNode.Parse(overlay) };

    private static Dictionary<string, object?> Arguments(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!.ToDictionary(p => p.Key, p => (object?)p.Value);

    private static JsonObject ErrorOf(CallToolResult result)
    {
        Assert.True(result.IsError);
        return JsonNode.Parse(result.StructuredContent!.Value.GetRawText())!["error"]!.AsObject();
    }

    private static List<(string Path, string Keyword, string Message)> Details(JsonObject error) =>
        [.. error["details"]!.AsArray().Select(d => (d!["path"]!.GetValue<string>(), d["keyword"]!.GetValue<string>(), d["message"]!.GetValue<string>()))];
}
