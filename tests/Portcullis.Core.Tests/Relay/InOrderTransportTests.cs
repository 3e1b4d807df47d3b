using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Relay;

namespace Portcullis.Core.Tests.Relay;

/// <summary>
/// The upstream's own requests reach the MCP client only while fewer than <see cref="UnansweredRequests.Limit"/> await
/// their answers being written: an upstream that floods requests and reads none of the answers holds a bounded number.
/// </summary>
public sealed class InOrderTransportTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Requests_PastTheLimitWhileAnswersWait_AreDroppedUntilAnAnswerIsWritten()
    {
        var upstream = new StandInTransport();
        var dropped = new List<(string Method, string Why)>();
        var transport = new InOrderTransport(upstream, _ => false, (method, why) => dropped.Add((method, why)), TimeProvider.System);

        for (var i = 0; i <= UnansweredRequests.Limit; i++)
        {
            upstream.Incoming.Writer.TryWrite(Ping("p" + i));
        }

        var read = Drain(transport);
        Assert.Equal(UnansweredRequests.Limit, read.Count);
        Assert.Equal(("ping", "more than 1000 of its requests were unanswered"), Assert.Single(dropped));

        // An answer the upstream does not read still counts; once written, its place is free.
        var answer = transport.SendMessageAsync(new JsonRpcResponse { Id = read[0].Id, Result = new JsonObject() });
        upstream.Incoming.Writer.TryWrite(Ping("late-1"));
        Assert.Empty(Drain(transport));
        upstream.Written.SetResult();
        await answer.WaitAsync(Wait);
        upstream.Incoming.Writer.TryWrite(Ping("late-2"));
        Assert.Equal("late-2", Assert.Single(Drain(transport)).Id.ToString());
    }

    [Fact]
    public void Requests_CancelledByTheUpstreamOrReusingAnOpenId_FreeTheirPlaceOrAreDropped()
    {
        var upstream = new StandInTransport();
        var dropped = new List<string>();
        var transport = new InOrderTransport(upstream, _ => false, (_, why) => dropped.Add(why), TimeProvider.System);

        upstream.Incoming.Writer.TryWrite(Ping("same"));
        upstream.Incoming.Writer.TryWrite(Ping("same"));
        Assert.Single(Drain(transport));
        Assert.Equal("its id was that of a request still unanswered", Assert.Single(dropped));

        // The SDK answers a cancelled request with nothing: the cancellation itself frees the id.
        upstream.Incoming.Writer.TryWrite(new JsonRpcNotification
        {
            Method = NotificationMethods.CancelledNotification,
            Params = JsonSerializer.SerializeToNode(new { requestId = "same" }),
        });
        upstream.Incoming.Writer.TryWrite(Ping("same"));
        Assert.True(transport.TryRead(out var cancelled));
        Assert.IsType<JsonRpcNotification>(cancelled);
        Assert.Equal("same", Assert.Single(Drain(transport)).Id.ToString());
        Assert.Single(dropped);
    }

    private static JsonRpcRequest Ping(string id) => new() { Id = new RequestId(id), Method = RequestMethods.Ping };

    private static List<JsonRpcRequest> Drain(InOrderTransport transport)
    {
        var read = new List<JsonRpcRequest>();
        while (transport.TryRead(out var message))
        {
            read.Add(Assert.IsType<JsonRpcRequest>(message));
        }

        return read;
    }

    /// <summary>An upstream connection whose writes wait until <see cref="Written"/> completes, as to a process that does not read.</summary>
    private sealed class StandInTransport : ITransport
    {
        public Channel<JsonRpcMessage> Incoming { get; } = Channel.CreateUnbounded<JsonRpcMessage>();

        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string? SessionId => null;

        public ChannelReader<JsonRpcMessage> MessageReader => Incoming.Reader;

        public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) => Written.Task;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
