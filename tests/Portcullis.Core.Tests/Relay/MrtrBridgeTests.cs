using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Relay;
using Portcullis.Core.State;

namespace Portcullis.Core.Tests.Relay;

/// <summary>A stateless client's call whose upstream asks it several questions, answered by retries.</summary>
public sealed class MrtrBridgeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly MrtrBridge _bridge = new(TimeProvider.System, new StateClock(TimeProvider.System), new ReplicaIdentity("r1", "i1", null), NullLogger<MrtrBridge>.Instance);

    /// <summary>
    /// Before, every question of a call was handed out with the same requestState: a retry sent twice (by a proxy, or by
    /// a client retrying on a timeout) answered the next question with the answer meant for the one before, a question
    /// its client never saw.
    /// </summary>
    [Fact]
    public async Task Invoke_ARetrySentAgainAfterItWasAnswered_IsAskedTheOpenQuestionAndItsAnswerIsNotUsed()
    {
        var first = await AskedAsync(_bridge.InvokeAsync("owner", Call(null, null), TwoQuestions, CancellationToken.None).AsTask());

        var second = await AskedAsync(_bridge.InvokeAsync("owner", Call(first, "A"), TwoQuestions, CancellationToken.None).AsTask());
        var again = await AskedAsync(_bridge.InvokeAsync("owner", Call(first, "B"), TwoQuestions, CancellationToken.None).AsTask());
        var result = await _bridge.InvokeAsync("owner", Call(second, "C"), TwoQuestions, CancellationToken.None).AsTask().WaitAsync(Timeout);

        Assert.NotEqual(first, second);
        Assert.Equal(second, again);
        Assert.Equal("A then C", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    /// <summary>Two retries at once: one resumes the call, the other is refused rather than wait for the next question too.</summary>
    [Fact]
    public async Task Invoke_TwoRetriesAtOnce_OneResumesTheCall()
    {
        var first = await AskedAsync(_bridge.InvokeAsync("owner", Call(null, null), TwoQuestions, CancellationToken.None).AsTask());

        var retries = new[] { "A", "B" }.Select(answer => Task.Run(() => _bridge.InvokeAsync("owner", Call(first, answer), TwoQuestions, CancellationToken.None).AsTask())).ToArray();
        var settled = await Task.WhenAll(retries.Select(r => r.ContinueWith(t => t.Exception?.InnerException, TaskScheduler.Default))).WaitAsync(Timeout);

        // The one that resumed gets the next question; the other is refused while it runs, or asked that question again
        // once it is open (its own answer is never used).
        Assert.All(settled, e => Assert.True(e is InputRequiredException or McpProtocolException, e?.ToString()));
        var next = settled.OfType<InputRequiredException>().First().Result.RequestState;
        var result = await _bridge.InvokeAsync("owner", Call(next, "C"), TwoQuestions, CancellationToken.None).AsTask().WaitAsync(Timeout);

        // One of the two answers went to the first question, and neither to the second, which only C answered.
        Assert.Contains(Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, new[] { "A then C", "B then C" });
    }

    private static async ValueTask<CallToolResult> TwoQuestions(CancellationToken cancellationToken)
    {
        var first = await MrtrBridge.Current!.AskAsync(InputRequest.ForRootsList(new ListRootsRequestParams()), cancellationToken);
        var second = await MrtrBridge.Current!.AskAsync(InputRequest.ForRootsList(new ListRootsRequestParams()), cancellationToken);
        return new CallToolResult { Content = [new TextContentBlock { Text = $"{Root(first)} then {Root(second)}" }] };
    }

    private static string Root(InputResponse answer) => answer.Deserialize(InputResponse.ListRootsResultJsonTypeInfo)!.Roots.Single().Name!;

    private static CallToolRequestParams Call(string? state, string? answer) => new()
    {
        Name = "ask_twice",
        RequestState = state,
        InputResponses = answer is null ? null : new Dictionary<string, InputResponse>
        {
            ["portcullis"] = InputResponse.FromRootsResult(new ListRootsResult { Roots = [new Root { Uri = "file:///" + answer, Name = answer }] }),
        },
    };

    private static async Task<string> AskedAsync(Task<CallToolResult> call)
    {
        var asked = await Assert.ThrowsAsync<InputRequiredException>(() => call).WaitAsync(Timeout);
        return asked.Result.RequestState!;
    }
}
