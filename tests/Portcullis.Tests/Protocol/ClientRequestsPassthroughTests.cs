using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;
using Xunit;

namespace Portcullis.Tests.Protocol;

/// <summary>
/// What the upstream sends back during a call (progress, log messages, sampling and elicitation requests)
/// reaches the very client whose call caused it, and the answer goes back into that upstream call.
/// </summary>
public sealed class ClientRequestsPassthroughTests(PassthroughGatewayFixture fixture) : IClassFixture<PassthroughGatewayFixture>
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Theory]
    [MemberData(nameof(Versions.Both), MemberType = typeof(Versions))]
    public async Task CallTool_UpstreamReportsProgress_ProgressReachesTheCaller(string version)
    {
        await using var client = await fixture.Gateway.ConnectAsync(version);
        CallToolResult? result = null;

        var seen = await ProgressAsync(client, 3, async () =>
            result = await client.CallToolAsync("test_tool_with_progress", progress: new Progress<ProgressNotificationValue>(), cancellationToken: Timeout));

        Assert.NotEqual(true, result!.IsError);
        Assert.Equal([0f, 50f, 100f], seen.Select(p => p["progress"]!.GetValue<float>()).Order());
    }

    [Theory]
    [MemberData(nameof(Versions.Both), MemberType = typeof(Versions))]
    public async Task ReadResourceAndGetPrompt_UpstreamReportsProgress_ProgressReachesTheCaller(string version)
    {
        await using var client = await fixture.Gateway.ConnectAsync(version);
        ReadResourceResult? read = null;
        GetPromptResult? prompt = null;

        var seen = await ProgressAsync(client, 2, async () =>
        {
            read = await client.ReadResourceAsync(
                new ReadResourceRequestParams { Uri = "test://template/7/data", Meta = new JsonObject { ["progressToken"] = "read-1" } }, Timeout);
            prompt = await client.GetPromptAsync(
                new GetPromptRequestParams
                {
                    Name = "test_prompt_with_arguments",
                    Arguments = new Dictionary<string, JsonElement> { ["arg1"] = JsonSerializer.SerializeToElement("a"), ["arg2"] = JsonSerializer.SerializeToElement("b") },
                    Meta = new JsonObject { ["progressToken"] = "prompt-1" },
                },
                Timeout);
        });

        Assert.Contains("Data for ID: 7", Assert.IsType<TextResourceContents>(Assert.Single(read!.Contents)).Text, StringComparison.Ordinal);
        Assert.Single(prompt!.Messages);
        Assert.Equal(["prompt-1", "read-1"], seen.Select(p => p["progressToken"]!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CallTool_UpstreamLogs_LogMessagesReachTheCaller()
    {
        var messages = new ConcurrentQueue<string>();
        var last = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await fixture.Gateway.ConnectAsync(Versions.V2025);
        await using var handler = client.RegisterNotificationHandler(NotificationMethods.LoggingMessageNotification, (n, _) =>
        {
            var text = n.Params?["data"]?.GetValue<string>() ?? "";
            messages.Enqueue(text);
            // The client handles each message on its own task: the last may be handled before the first.
            if (messages.Contains("Tool execution started") && messages.Contains("Tool execution completed"))
            {
                last.TrySetResult();
            }

            return default;
        });
        await client.SetLoggingLevelAsync(LoggingLevel.Debug, cancellationToken: Timeout);

        await client.CallToolAsync("test_tool_with_logging", cancellationToken: Timeout);

        await last.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("Tool execution started", messages);
    }

    [Theory]
    [MemberData(nameof(Versions.Both), MemberType = typeof(Versions))]
    public async Task CallTool_UpstreamAsksForSampling_OnlyTheCallingClientIsAsked(string version)
    {
        var asked = new ConcurrentQueue<string>();
        await using var caller = await fixture.Gateway.ConnectAsync(version, Sampling("caller", asked));
        await using var other = await fixture.Gateway.ConnectAsync(version, Sampling("other", asked));

        var result = await caller.CallToolAsync("test_sampling", new Dictionary<string, object?> { ["prompt"] = "Say hi" }, cancellationToken: Timeout);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("LLM response: caller says hi to 'Say hi'", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal(["caller"], asked);
    }

    [Theory]
    [MemberData(nameof(Versions.Both), MemberType = typeof(Versions))]
    public async Task CallTool_UpstreamElicits_AnswerGoesBackIntoTheCall(string version)
    {
        var handlers = new McpClientHandlers
        {
            ElicitationHandler = (request, _) => ValueTask.FromResult(new ElicitResult
            {
                Action = "accept",
                Content = new Dictionary<string, JsonElement> { ["response"] = JsonSerializer.SerializeToElement($"yes to {request?.Message}") },
            }),
        };
        await using var client = await fixture.Gateway.ConnectAsync(version, handlers);

        var result = await client.CallToolAsync("test_elicitation", new Dictionary<string, object?> { ["message"] = "Proceed?" }, cancellationToken: Timeout);

        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.Equal("""Elicitation completed: action=accept, content={"response":"yes to Proceed?"}""", text);
    }

    /// <summary>
    /// Before, a client whose handler failed left no trace in the gateway: the upstream got an error and the gateway's
    /// log said nothing of why (event 1422 now names the feature and the failure).
    /// </summary>
    [Fact]
    public async Task CallTool_ClientsElicitationHandlerFails_UpstreamGetsAnErrorAndTheGatewayLogsWhy()
    {
        var handlers = new McpClientHandlers
        {
            ElicitationHandler = (_, _) => throw new InvalidOperationException("The client's own handler failed."),
        };
        await using var client = await fixture.Gateway.ConnectAsync(Versions.V2025, handlers);
        var before = AskFailures();

        var result = await client.CallToolAsync("test_elicitation", new Dictionary<string, object?> { ["message"] = "Proceed?" }, cancellationToken: Timeout);

        Assert.True(result.IsError);
        await Poll.UntilAsync(_ => Task.FromResult(AskFailures() > before), Timeouts.Call, () => "event 1422 in the gateway's output:\n" + fixture.Gateway.Process.Output);
        Assert.Contains("Request failed (remote)", AskFailureLines().Last(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A stateless client's answer of the wrong shape (an action that is a number) is the client's error, named in what
    /// the upstream gets and in the gateway's log; before, it surfaced as a bare JSON exception.
    /// </summary>
    [Fact]
    public async Task CallTool_StatelessAnswerOfTheWrongShape_UpstreamGetsAnErrorAndTheGatewayLogsWhy()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        const string Meta = """
            "_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"raw","version":"1"},"io.modelcontextprotocol/clientCapabilities":{"elicitation":{}}}
            """;
        var first = await StatelessCallAsync(http, $$$"""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"test_elicitation","arguments":{"message":"Proceed?"},{{{Meta}}}}}""");
        var state = first["result"]!["requestState"]!.GetValue<string>();
        var before = AskFailures();

        var answered = await StatelessCallAsync(http, $$$"""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"test_elicitation","arguments":{"message":"Proceed?"},"requestState":"{{{state}}}","inputResponses":{"portcullis":{"action":5}},{{{Meta}}}}}""");

        Assert.True(answered["result"]?["isError"]?.GetValue<bool>() == true || answered["error"] is not null, answered.ToJsonString());
        await Poll.UntilAsync(_ => Task.FromResult(AskFailures() > before), Timeouts.Call, () => "event 1422 in the gateway's output:\n" + fixture.Gateway.Process.Output);
        Assert.Contains("is not what such a request expects", AskFailureLines().Last(), StringComparison.Ordinal);
    }

    private IEnumerable<string> AskFailureLines() =>
        fixture.Gateway.Process.Output.Split('\n').Where(l => l.Contains("elicitation request got no answer from the calling client", StringComparison.Ordinal));

    private int AskFailures() => AskFailureLines().Count();

    [Theory]
    [MemberData(nameof(Versions.Both), MemberType = typeof(Versions))]
    public async Task CallTool_ClientWithoutSampling_UpstreamGetsAnErrorNotAnotherClient(string version)
    {
        var asked = new ConcurrentQueue<string>();
        await using var bystander = await fixture.Gateway.ConnectAsync(version, Sampling("bystander", asked));
        await using var caller = await fixture.Gateway.ConnectAsync(version);

        var result = await caller.CallToolAsync("test_sampling", new Dictionary<string, object?> { ["prompt"] = "Say hi" }, cancellationToken: Timeout);

        Assert.True(result.IsError);
        Assert.Empty(asked);
    }

    [Fact]
    public async Task CallTool_UnknownRequestState_RefusedAsInvalidParams()
    {
        await using var client = await fixture.Gateway.ConnectAsync(Versions.V2026);

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync(
            new CallToolRequestParams { Name = "test_simple_text", RequestState = "0123456789ABCDEF" }, Timeout).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
    }

    /// <summary>Every tool comes in one page: a cursor is one the gateway never gave (before, it was ignored).</summary>
    [Theory]
    [MemberData(nameof(Versions.Both), MemberType = typeof(Versions))]
    public async Task ListTools_WithACursorTheGatewayNeverGave_RefusedAsInvalidParams(string version)
    {
        await using var client = await fixture.Gateway.ConnectAsync(version);

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.ListToolsAsync(new ListToolsRequestParams { Cursor = "garbage" }, Timeout).AsTask());
        var tools = await client.ListToolsAsync(cancellationToken: Timeout);

        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
        Assert.NotEmpty(tools);
    }

    /// <summary>
    /// Before, a retry naming a held call's requestState got that call's answer whatever arguments it sent (another
    /// idempotency_key among them): the client was answered for something it did not send.
    /// </summary>
    [Fact]
    public async Task CallTool_RetryWithOtherArgumentsThanTheCallItsRequestStateResumes_RefusedAsInvalidParams()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        const string Meta = """
            "_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"raw","version":"1"},"io.modelcontextprotocol/clientCapabilities":{"elicitation":{}}}
            """;
        var first = await StatelessCallAsync(http, $$$"""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"test_elicitation","arguments":{"message":"Proceed?"},{{{Meta}}}}}""");
        var state = first["result"]!["requestState"]!.GetValue<string>();
        var answer = """{"portcullis":{"action":"accept","content":{"response":"yes"}}}""";

        var other = await StatelessCallAsync(http, $$$"""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"test_elicitation","arguments":{"message":"Delete all?"},"requestState":"{{{state}}}","inputResponses":{{{answer}}},{{{Meta}}}}}""");
        var same = await StatelessCallAsync(http, $$$"""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"test_elicitation","arguments":{"message":"Proceed?"},"requestState":"{{{state}}}","inputResponses":{{{answer}}},{{{Meta}}}}}""");

        Assert.Equal((int)McpErrorCode.InvalidParams, other["error"]!["code"]!.GetValue<int>());
        Assert.Contains("arguments differ", other["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Elicitation completed: action=accept", same["result"]!["content"]![0]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A 2026-07-28 request asks for log messages in its own <c>_meta</c>, and the server must send none for a request
    /// that does not. Before, every message the upstream logged during the call was relayed, whatever the request said.
    /// </summary>
    [Theory]
    [InlineData(null, 0)]
    [InlineData("error", 0)]
    [InlineData("info", 3)]
    [InlineData("debug", 3)]
    public async Task CallTool_2026Request_RelaysOnlyTheLogMessagesItsOwnLevelAsksFor(string? level, int expected)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var logLevel = level is null ? "" : $$$""","io.modelcontextprotocol/logLevel":"{{{level}}}" """;
        var meta = $$$"""
            "_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"raw","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}{{{logLevel}}}}
            """;

        var text = await StatelessPostAsync(http, "test_tool_with_logging", $$$"""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"test_tool_with_logging","arguments":{},{{{meta}}}}}""");

        Assert.Contains("Tool with logging executed successfully", text, StringComparison.Ordinal);
        Assert.Equal(expected, text.Split("\"method\":\"notifications/message\"").Length - 1);
    }

    private async Task<JsonNode> StatelessCallAsync(HttpClient http, string body)
    {
        var text = await StatelessPostAsync(http, "test_elicitation", body);
        var json = text.TrimStart().StartsWith('{') ? text : string.Concat(text.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l["data: ".Length..]));
        return JsonNode.Parse(json) ?? throw new InvalidOperationException("no answer: " + text);
    }

    /// <summary>A 2026-07-28 <c>tools/call</c> of <paramref name="tool"/>, its answer as sent (one JSON body, or the events of a stream).</summary>
    private async Task<string> StatelessPostAsync(HttpClient http, string tool, string body)
    {
        using var request = McpPost.Create(fixture.Gateway.Endpoint, body);
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", tool);
        using var response = await http.SendAsync(request, Timeout);
        return await response.Content.ReadAsStringAsync(Timeout);
    }

    /// <remarks>
    /// 2026-07-28 only: with SDK 2.4.0 a 2025-11-25 client's cancellation over a stateful Streamable HTTP
    /// session does not reach the server even without the gateway (checked against the fixture directly).
    /// </remarks>
    [Fact]
    public async Task CallTool_CallerCancels_UpstreamCallIsCancelled()
    {
        await using var client = await fixture.Gateway.ConnectAsync(Versions.V2026);
        var before = int.Parse(await TextOfAsync(client, "test_cancellation_count"), System.Globalization.CultureInfo.InvariantCulture);
        using var cancel = new CancellationTokenSource();
        var started = new StartedProgress(cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.CallToolAsync("test_wait_for_cancellation", progress: started, cancellationToken: cancel.Token).AsTask());

        // The upstream counts the cancellation when its handler unwinds, a moment after the client gave up.
        var after = before;
        await Poll.UntilAsync(
            async _ =>
            {
                after = int.Parse(await TextOfAsync(client, "test_cancellation_count"), System.Globalization.CultureInfo.InvariantCulture);
                return after != before;
            },
            Timeouts.Call,
            "the upstream to count the cancellation");

        Assert.Equal(before + 1, after);
    }

    /// <summary>
    /// Runs <paramref name="act"/> and returns the parameters of the session's progress notifications once
    /// <paramref name="count"/> have come. Watched for the whole session: the SDK client stops listening for a request's
    /// progress once its answer is in, and handles each message on its own task, so on a busy machine it may drop
    /// progress that did arrive before the answer (the order on the wire is checked in ProgressOrderTests).
    /// </summary>
    private static async Task<List<JsonNode>> ProgressAsync(McpClient client, int count, Func<Task> act)
    {
        var seen = new ConcurrentQueue<JsonNode>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var watch = client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (n, _) =>
        {
            seen.Enqueue(n.Params!.DeepClone());
            if (seen.Count >= count)
            {
                all.TrySetResult();
            }

            return default;
        });

        await act();
        await all.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return [.. seen];
    }

    private static async Task<string> TextOfAsync(McpClient client, string tool) =>
        Assert.IsType<TextContentBlock>(Assert.Single((await client.CallToolAsync(tool, cancellationToken: Timeout)).Content)).Text;

    private sealed class StartedProgress(CancellationTokenSource cancel) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value) => cancel.Cancel();
    }

    private static McpClientHandlers Sampling(string name, ConcurrentQueue<string> asked) => new()
    {
        SamplingHandler = (request, _, _) =>
        {
            asked.Enqueue(name);
            var prompt = request?.Messages.SelectMany(m => m.Content).OfType<TextContentBlock>().FirstOrDefault()?.Text;
            return ValueTask.FromResult(new CreateMessageResult
            {
                Model = "test-model",
                Role = Role.Assistant,
                Content = [new TextContentBlock { Text = $"{name} says hi to '{prompt}'" }],
            });
        },
    };
}
