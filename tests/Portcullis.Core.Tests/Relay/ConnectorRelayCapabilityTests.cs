using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Relay;
using Portcullis.Core.State;

namespace Portcullis.Core.Tests.Relay;

/// <summary>A question from the upstream reaches a client only in a form the client declared it takes.</summary>
public sealed class ConnectorRelayCapabilityTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly MrtrBridge _bridge = new(TimeProvider.System, new StateClock(TimeProvider.System), new ReplicaIdentity("r1", "i1", null), NullLogger<MrtrBridge>.Instance);

    /// <summary>
    /// Before, a stateless client that declared form elicitation only was handed the upstream's URL-mode elicitation (a
    /// link to open) as an input-required result: only the capability's presence was checked, and the SDK's own check of
    /// the mode runs on a session's requests only.
    /// </summary>
    [Fact]
    public async Task Elicitation_UrlModeToAClientDeclaringFormOnly_RefusedToTheUpstream()
    {
        var capabilities = new ClientCapabilities { Elicitation = new ElicitationCapability { Form = new FormElicitationCapability() } };
        var asked = await AskAsync(capabilities, (handlers, ct) => handlers.ElicitationHandler!(
            new ElicitRequestParams { Mode = "url", Message = "Open this", Url = "https://example.com/consent", ElicitationId = "e1" }, ct).AsTask());

        Assert.Equal("refused", asked);
    }

    [Fact]
    public async Task Elicitation_FormToAClientDeclaringEmptyElicitation_IsAsked()
    {
        var capabilities = new ClientCapabilities { Elicitation = new ElicitationCapability() };
        var asked = await AskAsync(capabilities, (handlers, ct) => handlers.ElicitationHandler!(
            new ElicitRequestParams { Message = "Name?", RequestedSchema = new() }, ct).AsTask());

        Assert.Equal("asked", asked);
    }

    /// <summary>Before, a sampling request offering tools reached a client that never declared <c>sampling.tools</c>.</summary>
    [Fact]
    public async Task Sampling_WithToolsToAClientWithoutSamplingTools_RefusedToTheUpstream()
    {
        var capabilities = new ClientCapabilities { Sampling = new SamplingCapability() };
        var asked = await AskAsync(capabilities, (handlers, ct) => handlers.SamplingHandler!(new CreateMessageRequestParams
        {
            Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = "hi" }] }],
            MaxTokens = 10,
            Tools = [new Tool { Name = "lookup" }],
        }, new Progress<ProgressNotificationValue>(), ct).AsTask());

        Assert.Equal("refused", asked);
    }

    /// <summary>
    /// Before, a stateless client's answer with an action the protocol does not know reached the upstream as it came, an
    /// answer no conforming client sends and an upstream may read as either accept or decline.
    /// </summary>
    [Theory]
    [InlineData("bogus", "refused")]
    [InlineData("decline", "answered")]
    public async Task Elicitation_AnswerWithAnActionTheProtocolDoesNotKnow_RefusedToTheUpstream(string action, string expected)
    {
        var capabilities = new ClientCapabilities { Elicitation = new ElicitationCapability() };
        var run = Asking(capabilities, (handlers, ct) => handlers.ElicitationHandler!(new ElicitRequestParams { Message = "Name?", RequestedSchema = new() }, ct).AsTask());
        var question = new CallToolRequestParams { Name = "ask" };
        var asked = await Assert.ThrowsAsync<InputRequiredException>(() => _bridge.InvokeAsync("owner", question, run, CancellationToken.None).AsTask()).WaitAsync(Timeout);
        var answer = new CallToolRequestParams
        {
            Name = "ask",
            RequestState = asked.Result.RequestState,
            InputResponses = new Dictionary<string, InputResponse> { ["portcullis"] = InputResponse.FromElicitResult(new ElicitResult { Action = action }) },
        };
        var result = await _bridge.InvokeAsync("owner", answer, run, CancellationToken.None).AsTask().WaitAsync(Timeout);

        Assert.Equal(expected, Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void CanSample_ToolsNeedSamplingTools(bool declared, bool expected)
    {
        var capability = new SamplingCapability { Tools = declared ? new SamplingToolsCapability() : null };
        Assert.Equal(expected, ConnectorRelay.CanSample(capability, new CreateMessageRequestParams { Messages = [], MaxTokens = 1, Tools = [new Tool { Name = "t" }] }));
        Assert.True(ConnectorRelay.CanSample(capability, new CreateMessageRequestParams { Messages = [], MaxTokens = 1 }));
    }

    /// <summary>
    /// Runs a stateless (multi round-trip) call whose upstream asks one question through the relay's handlers: "asked" when
    /// the question went to the client as an input-required result, "refused" when the upstream was told the client does
    /// not take it.
    /// </summary>
    private async Task<string> AskAsync(ClientCapabilities capabilities, Func<McpClientHandlers, CancellationToken, Task> ask)
    {
        try
        {
            var result = await _bridge.InvokeAsync("owner", new CallToolRequestParams { Name = "ask" }, Asking(capabilities, ask), CancellationToken.None).AsTask().WaitAsync(Timeout);
            return Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        }
        catch (InputRequiredException)
        {
            return "asked";
        }
    }

    /// <summary>An upstream call, for a client of <paramref name="capabilities"/>, that asks through the relay's handlers: its text says "answered" or "refused".</summary>
    private static Func<CancellationToken, ValueTask<CallToolResult>> Asking(ClientCapabilities capabilities, Func<McpClientHandlers, CancellationToken, Task> ask)
    {
        var relay = new ConnectorRelay("crm", new FakeTimeProvider(), NullLogger.Instance);
        var options = new McpClientOptions();
        relay.ConfigureClient(options);
        return async cancellationToken =>
        {
            using var call = relay.Begin(new StandInServer(null, capabilities: capabilities), "alice", null, default);
            try
            {
                await ask(options.Handlers, cancellationToken);
                return new CallToolResult { Content = [new TextContentBlock { Text = "answered" }] };
            }
            catch (McpException)
            {
                return new CallToolResult { Content = [new TextContentBlock { Text = "refused" }] };
            }
        };
    }
}
