using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Idempotency;

/// <summary>Idempotent writes through a real MCP client against the sample CRM and the fixture upstream.</summary>
public sealed class IdempotentWriteTests(IdempotencyGateway fixture) : IClassFixture<IdempotencyGateway>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private GatewayProcess Gateway => fixture.Gateway;

    [Fact]
    public async Task ToolsList_WriteTool_RequiresTheKey_ReadOnlyToolDoesNot()
    {
        await using var client = await McpClients.ConnectAsync(Gateway.Endpoint("crm"));

        var tools = await client.ListToolsAsync().AsTask().WaitAsync(Timeout);

        var addNote = tools.Single(t => t.Name == "add_note").ProtocolTool.InputSchema;
        var findContact = tools.Single(t => t.Name == "find_contact").ProtocolTool.InputSchema;
        Assert.Contains("idempotency_key", addNote.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        var key = addNote.GetProperty("properties").GetProperty("idempotency_key");
        Assert.Equal(1, key.GetProperty("minLength").GetInt32());
        Assert.Equal(255, key.GetProperty("maxLength").GetInt32());
        Assert.False(findContact.GetProperty("properties").TryGetProperty("idempotency_key", out _));
        Assert.False(findContact.TryGetProperty("required", out var required)
            && required.EnumerateArray().Any(e => e.GetString() == "idempotency_key"));
    }

    [Fact]
    public async Task AddNote_WithoutKey_ReturnsKeyMissingAndWritesNothing()
    {
        await using var client = await McpClients.ConnectAsync(Gateway.Endpoint("crm"));
        var body = Unique("no key");

        var result = await client.CallToolAsync("add_note", Note(body, key: null)).AsTask().WaitAsync(Timeout);

        Assert.Equal("idempotency_key_missing", Witness.ErrorCode(result));
        Assert.False(Witness.Error(result)["retryable"]!.GetValue<bool>());
        Assert.Equal(0, Witness.NotesWithBody(Gateway.DataDir, body));
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad\nkey")]
    public async Task AddNote_MalformedKey_ReturnsInvalidArgumentsAndWritesNothing(string key)
    {
        await using var client = await McpClients.ConnectAsync(Gateway.Endpoint("crm"));
        var body = Unique("bad key");

        var result = await client.CallToolAsync("add_note", Note(body, key)).AsTask().WaitAsync(Timeout);

        Assert.Equal("invalid_arguments", Witness.ErrorCode(result));
        Assert.Equal("/idempotency_key", Witness.Error(result)["details"]![0]!["path"]!.GetValue<string>());
        Assert.Equal(0, Witness.NotesWithBody(Gateway.DataDir, body));
    }

    [Fact]
    public async Task FindContact_ReadOnly_NeedsNoKey()
    {
        await using var client = await McpClients.ConnectAsync(Gateway.Endpoint("crm"));

        var result = await client.CallToolAsync("find_contact", new Dictionary<string, object?> { ["query"] = "Ada" }).AsTask().WaitAsync(Timeout);

        Assert.NotEqual(true, result.IsError);
        Assert.Contains("Ada Lovelace", result.StructuredContent!.Value.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddNote_FiftyConcurrentCallsWithOneKey_AddExactlyOneNote()
    {
        var body = Unique("concurrent");
        var key = Unique("key");
        var clients = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => McpClients.ConnectAsync(Gateway.Endpoint("crm"))));
        try
        {
            var calls = Enumerable.Range(0, 50)
                .Select(i => clients[i % clients.Length].CallToolAsync("add_note", Note(body, key)).AsTask())
                .ToArray();

            var results = await Task.WhenAll(calls).WaitAsync(Timeout);

            var succeeded = results.Where(r => r.IsError != true).ToList();
            var others = results.Where(r => r.IsError == true).ToList();
            Assert.NotEmpty(succeeded);
            Assert.Single(succeeded.Select(Witness.Payload).Distinct());
            Assert.All(others, r =>
            {
                Assert.Equal("idempotency_in_progress", Witness.ErrorCode(r));
                Assert.True(Witness.Error(r)["retryable"]!.GetValue<bool>());
                Assert.InRange(Witness.Error(r)["retry_after_seconds"]!.GetValue<int>(), 1, 5);
            });
            Assert.Equal(1, Witness.NotesWithBody(Gateway.DataDir, body));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task AddNote_SameKeyRepeated_ReplaysTheStoredResultMarkedInMeta()
    {
        await using var client = await McpClients.ConnectAsync(Gateway.Endpoint("crm"));
        var body = Unique("replay");
        var key = Unique("key");

        var first = await client.CallToolAsync("add_note", Note(body, key)).AsTask().WaitAsync(Timeout);
        var second = await client.CallToolAsync("add_note", Note(body, key)).AsTask().WaitAsync(Timeout);

        Assert.NotEqual(true, first.IsError);
        Assert.True(first.Meta is null || !first.Meta.ContainsKey("portcullis/replay"));
        Assert.Equal(Witness.Payload(first), Witness.Payload(second));
        Assert.True(second.Meta!["portcullis/replay"]!.GetValue<bool>());
        Assert.False(string.IsNullOrEmpty(second.Meta["portcullis/original_correlation_id"]!.GetValue<string>()));
        Assert.Equal(1, Witness.NotesWithBody(Gateway.DataDir, body));
    }

    [Fact]
    public async Task AddNote_SameKeyDifferentBody_ReturnsKeyReusedAndWritesNothing()
    {
        await using var client = await McpClients.ConnectAsync(Gateway.Endpoint("crm"));
        var body = Unique("original");
        var other = Unique("other");
        var key = Unique("key");
        await client.CallToolAsync("add_note", Note(body, key)).AsTask().WaitAsync(Timeout);

        var reused = await client.CallToolAsync("add_note", Note(other, key)).AsTask().WaitAsync(Timeout);

        Assert.Equal("idempotency_key_reused", Witness.ErrorCode(reused));
        Assert.False(Witness.Error(reused)["retryable"]!.GetValue<bool>());
        Assert.Equal(1, Witness.NotesWithBody(Gateway.DataDir, body));
        Assert.Equal(0, Witness.NotesWithBody(Gateway.DataDir, other));
    }

    [Fact]
    public async Task AddNote_ArgumentOrderAndNumberFormsDiffer_StillTheSameCall()
    {
        await using var client = await McpClients.ConnectAsync(Gateway.Endpoint("fixture"));
        var note = Unique("forms");
        var key = Unique("key");
        var first = new CallToolRequestParams
        {
            Name = "record",
            Arguments = Arguments($$"""{"note":"{{note}}","count":1,"visibility":"internal","idempotency_key":"{{key}}"}"""),
        };
        var second = new CallToolRequestParams
        {
            Name = "record",
            Arguments = Arguments($$"""{ "idempotency_key": "{{key}}", "visibility": "internal", "count": 10E-1, "note": "{{note}}" }"""),
        };

        await client.CallToolAsync(first).AsTask().WaitAsync(Timeout);
        var repeat = await client.CallToolAsync(second).AsTask().WaitAsync(Timeout);

        Assert.True(repeat.Meta!["portcullis/replay"]!.GetValue<bool>());
        Assert.Single(Witness.Recorded(fixture.RecordPath, "record", note));
    }

    [Fact]
    public async Task AddNote_UpstreamToolError_IsAnOutcomeAndReplays()
    {
        await using var client = await McpClients.ConnectAsync(Gateway.Endpoint("crm"));
        var key = Unique("key");
        var arguments = new Dictionary<string, object?> { ["contact_id"] = "c-none", ["body"] = "x", ["idempotency_key"] = key };

        var first = await client.CallToolAsync("add_note", arguments).AsTask().WaitAsync(Timeout);
        var second = await client.CallToolAsync("add_note", arguments).AsTask().WaitAsync(Timeout);

        Assert.True(first.IsError);
        Assert.Null(Witness.ErrorCode(first));
        Assert.Equal(Witness.Payload(first), Witness.Payload(second));
        Assert.True(second.Meta!["portcullis/replay"]!.GetValue<bool>());
    }

    [Fact]
    public async Task SameKey_OnTwoTools_DoesNotCollide()
    {
        await using var client = await McpClients.ConnectAsync(Gateway.Endpoint("fixture"));
        var note = Unique("two tools");
        var key = Unique("key");

        var record = await client.CallToolAsync("record", new Dictionary<string, object?> { ["note"] = note, ["idempotency_key"] = key }).AsTask().WaitAsync(Timeout);
        var recordAll = await client.CallToolAsync("record_all", new Dictionary<string, object?> { ["note"] = note, ["idempotency_key"] = key }).AsTask().WaitAsync(Timeout);

        Assert.NotEqual(true, record.IsError);
        Assert.NotEqual(true, recordAll.IsError);
        Assert.True(recordAll.Meta is null || !recordAll.Meta.ContainsKey("portcullis/replay"));
        Assert.Single(Witness.Recorded(fixture.RecordPath, "record", note));
        Assert.Single(Witness.Recorded(fixture.RecordPath, "record_all", note));
    }

    [Fact]
    public async Task Write_UpstreamDoesNotDeclareTheKey_KeyIsStrippedBeforeForwarding()
    {
        await using var client = await McpClients.ConnectAsync(Gateway.Endpoint("fixture"));
        var note = Unique("stripped");

        await client.CallToolAsync("record_all", new Dictionary<string, object?> { ["note"] = note, ["idempotency_key"] = Unique("key") }).AsTask().WaitAsync(Timeout);

        var received = Assert.Single(Witness.Recorded(fixture.RecordPath, "record_all", note));
        Assert.Equal(["note"], received.Select(p => p.Key));
    }

    [Fact]
    public async Task Write_UpstreamDeclaresTheKey_KeyIsForwarded()
    {
        await using var client = await McpClients.ConnectAsync(Gateway.Endpoint("fixture"));
        var note = Unique("declared");
        var key = Unique("key");

        await client.CallToolAsync("record", new Dictionary<string, object?> { ["note"] = note, ["idempotency_key"] = key }).AsTask().WaitAsync(Timeout);

        var received = Assert.Single(Witness.Recorded(fixture.RecordPath, "record", note));
        Assert.Equal(key, received["idempotency_key"]!.GetValue<string>());
    }

    internal static Dictionary<string, object?> Note(string body, string? key, string contact = "c-1001")
    {
        var arguments = new Dictionary<string, object?> { ["contact_id"] = contact, ["body"] = body, ["visibility"] = "internal" };
        if (key is not null)
        {
            arguments["idempotency_key"] = key;
        }

        return arguments;
    }

    internal static string Unique(string prefix) => $"{prefix} {Guid.NewGuid():N}";

    private static Dictionary<string, JsonElement> Arguments(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }
}
