using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;
using Xunit;

namespace Portcullis.Tests.Protocol;

/// <summary>Prompts and completions pass through under <c>prompts_allow</c>.</summary>
public sealed class PromptsPassthroughTests(PassthroughGatewayFixture fixture) : IClassFixture<PassthroughGatewayFixture>
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Theory]
    [MemberData(nameof(Versions.Both), MemberType = typeof(Versions))]
    public async Task ListPrompts_AllowList_ShowsOnlyAllowedPrompts(string version)
    {
        await using var client = await fixture.Gateway.ConnectAsync(version);

        var prompts = await client.ListPromptsAsync(new ListPromptsRequestParams(), Timeout);

        Assert.Equal(["test_prompt_with_arguments", "test_simple_prompt"], prompts.Prompts.Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Versions.Both), MemberType = typeof(Versions))]
    public async Task GetPrompt_Allowed_PassesArgumentsToTheUpstream(string version)
    {
        await using var client = await fixture.Gateway.ConnectAsync(version);

        var prompt = await client.GetPromptAsync(new GetPromptRequestParams
        {
            Name = "test_prompt_with_arguments",
            Arguments = new Dictionary<string, System.Text.Json.JsonElement>
            {
                ["arg1"] = System.Text.Json.JsonSerializer.SerializeToElement("one"),
                ["arg2"] = System.Text.Json.JsonSerializer.SerializeToElement("two"),
            },
        }, Timeout);

        var text = Assert.IsType<TextContentBlock>(Assert.Single(prompt.Messages).Content).Text;
        Assert.Equal("Prompt with arguments: arg1='one', arg2='two'", text);
    }

    /// <summary>
    /// Prompt arguments are strings in every revision. Before, a number was forwarded, the upstream failed reading it,
    /// and the caller got an internal error (-32603) for its own mistake.
    /// </summary>
    [Theory]
    [MemberData(nameof(Versions.Both), MemberType = typeof(Versions))]
    public async Task GetPrompt_ArgumentNotAString_IsInvalidParamsNamingIt(string version)
    {
        await using var client = await fixture.Gateway.ConnectAsync(version);

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.GetPromptAsync(new GetPromptRequestParams
        {
            Name = "test_prompt_with_arguments",
            Arguments = new Dictionary<string, System.Text.Json.JsonElement>
            {
                ["arg1"] = System.Text.Json.JsonSerializer.SerializeToElement(5),
                ["arg2"] = System.Text.Json.JsonSerializer.SerializeToElement("two"),
            },
        }, Timeout).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
        Assert.Contains("params.arguments.arg1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetPrompt_HiddenByPolicy_AnswersAsUnknown()
    {
        await using var client = await fixture.Gateway.ConnectAsync(Versions.V2025);

        var hidden = await Assert.ThrowsAsync<McpProtocolException>(() => client.GetPromptAsync(new GetPromptRequestParams { Name = "test_prompt_with_image" }, Timeout).AsTask());
        var missing = await Assert.ThrowsAsync<McpProtocolException>(() => client.GetPromptAsync(new GetPromptRequestParams { Name = "no_such_prompt" }, Timeout).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, hidden.ErrorCode);
        Assert.Equal(missing.ErrorCode, hidden.ErrorCode);
        Assert.Equal(missing.Message, hidden.Message);
    }

    [Theory]
    [MemberData(nameof(Versions.Both), MemberType = typeof(Versions))]
    public async Task Complete_AllowedPrompt_ReturnsUpstreamValues(string version)
    {
        await using var client = await fixture.Gateway.ConnectAsync(version);

        var result = await client.CompleteAsync(new CompleteRequestParams
        {
            Ref = new PromptReference { Name = "test_prompt_with_arguments" },
            Argument = new Argument { Name = "arg1", Value = "pa" },
        }, Timeout);

        Assert.Equal(["paris", "park"], result.Completion.Values);
    }

    [Fact]
    public async Task Complete_HiddenPrompt_Refused()
    {
        await using var client = await fixture.Gateway.ConnectAsync(Versions.V2025);

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.CompleteAsync(new CompleteRequestParams
        {
            Ref = new PromptReference { Name = "test_prompt_with_image" },
            Argument = new Argument { Name = "x", Value = "" },
        }, Timeout).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
    }

    [Fact]
    public async Task ListChanged_UpstreamAnnounces_EveryOpenSessionIsTold()
    {
        await using var listener = await fixture.Gateway.ConnectAsync(Versions.V2025);
        await using var caller = await fixture.Gateway.ConnectAsync(Versions.V2025);
        var told = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var handler = listener.RegisterNotificationHandler(NotificationMethods.PromptListChangedNotification, (_, _) =>
        {
            told.TrySetResult();
            return default;
        });

        // The listener opens its stream for unsolicited messages in the background once connected, and what is sent
        // before it is open is dropped (best effort, as the protocol allows): announce again until it is heard.
        await Poll.UntilAsync(
            async ct =>
            {
                await caller.CallToolAsync(new CallToolRequestParams { Name = "test_announce_prompts_changed" }, ct);
                return await Task.WhenAny(told.Task, Task.Delay(TimeSpan.FromSeconds(2), ct)) == told.Task;
            },
            Timeouts.Call,
            "the listener to be told that the prompts changed");
    }
}
