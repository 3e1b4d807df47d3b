using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Relay;

namespace Portcullis.Core.Tests.Relay;

/// <summary>
/// Notifications the upstream sends for every subscribed or open session (<c>resources/updated</c>, <c>list_changed</c>):
/// a client that does not read its stream holds up only itself, and what waits for it is bounded.
/// </summary>
public sealed class ConnectorRelayNotificationTests
{
    private const string Uri = "test://watched-resource";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Before, the relay sent an update to each subscribed session in turn and waited for each: sessions whose clients
    /// did not read their streams stopped every update for the sessions after them, and the updates piled up in memory.
    /// </summary>
    [Fact]
    public async Task ResourceUpdated_SubscribersThatDoNotRead_HoldUpNoOtherSubscriber()
    {
        var relay = new ConnectorRelay("crm", TimeProvider.System, NullLogger.Instance);
        var neverRead = new TaskCompletionSource();
        var stalled = Enumerable.Range(0, 3).Select(i => relay.Open(new StandInServer("stalled-" + i, _ => neverRead.Task))).ToList();
        var received = 0;
        var alice = relay.Open(new StandInServer("alice", _ => { Interlocked.Increment(ref received); return Task.CompletedTask; }));
        var count = DownstreamSession.MaxQueuedNotifications * 2;
        foreach (var session in stalled.Append(alice))
        {
            for (var i = 1; i <= count; i++)
            {
                session.Subscribe(Uri + i);
            }
        }

        var updated = Handler(relay, NotificationMethods.ResourceUpdatedNotification);
        for (var i = 1; i <= count; i++)
        {
            // A different resource each time: updates of one resource still waiting stand for each other.
            var handled = updated(Updated(Uri + i), CancellationToken.None);
            Assert.True(handled.IsCompleted, "the upstream's reader waited for a client");
            if (i % 100 == 0)
            {
                // Alice reads as the updates come; the others never do.
                await Until(() => Volatile.Read(ref received) == i);
            }
        }

        Assert.All(stalled, s => Assert.Equal(count - DownstreamSession.MaxQueuedNotifications, s.DroppedNotifications));
        Assert.Equal(0, alice.DroppedNotifications);
        neverRead.SetResult();
    }

    /// <summary>
    /// A burst of updates to one resource, faster than a reading client takes them: none is dropped, an update still
    /// waiting stands for the later ones (each says only "read it again"), and the last reaches the client after the
    /// last change. Before the queue stood for them, a burst past 1,000 was dropped for a client that kept up.
    /// </summary>
    [Fact]
    public async Task ResourceUpdated_ABurstOfOneResource_IsToldWithoutLossAndLastAfterTheLastChange()
    {
        var relay = new ConnectorRelay("crm", TimeProvider.System, NullLogger.Instance);
        var changes = 0;
        var seenAfterLastChange = 0;
        var alice = relay.Open(new StandInServer("alice", async _ =>
        {
            await Task.Yield();
            if (Volatile.Read(ref changes) == 5_000)
            {
                Interlocked.Increment(ref seenAfterLastChange);
            }
        }));
        var neverRead = new TaskCompletionSource();
        var stalled = relay.Open(new StandInServer("stalled", _ => neverRead.Task));
        alice.Subscribe(Uri);
        stalled.Subscribe(Uri);

        var updated = Handler(relay, NotificationMethods.ResourceUpdatedNotification);
        for (var i = 0; i < 5_000; i++)
        {
            Interlocked.Increment(ref changes);
            Assert.True(updated(Updated(), CancellationToken.None).IsCompleted);
        }

        await Until(() => Volatile.Read(ref seenAfterLastChange) >= 1);
        Assert.Equal(0, alice.DroppedNotifications);
        // One update being sent and one waiting: a client that never reads holds no more than that.
        Assert.Equal(0, stalled.DroppedNotifications);
        neverRead.SetResult();
    }

    [Fact]
    public async Task ToolsChanged_ASessionThatDoesNotRead_HoldsUpNoOtherSession()
    {
        var relay = new ConnectorRelay("crm", TimeProvider.System, NullLogger.Instance);
        var neverRead = new TaskCompletionSource();
        relay.Open(new StandInServer("stalled", _ => neverRead.Task));
        var methods = new List<string>();
        relay.Open(new StandInServer("alice", m =>
        {
            lock (methods)
            {
                methods.Add(((JsonRpcNotification)m).Method);
            }

            return Task.CompletedTask;
        }));

        await relay.NotifyToolsChangedAsync(CancellationToken.None).WaitAsync(Wait);
        await relay.NotifyToolsChangedAsync(CancellationToken.None).WaitAsync(Wait);

        // The second may be told by the first, if that one was still waiting: both say "list again".
        await Until(() => { lock (methods) { return methods.Count >= 1; } });
        await Task.Delay(100);
        lock (methods)
        {
            Assert.InRange(methods.Count, 1, 2);
            Assert.All(methods, m => Assert.Equal(NotificationMethods.ToolListChangedNotification, m));
        }

        neverRead.SetResult();
    }

    private static Func<JsonRpcNotification, CancellationToken, ValueTask> Handler(ConnectorRelay relay, string method)
    {
        var options = new McpClientOptions();
        relay.ConfigureClient(options);
        return options.Handlers.NotificationHandlers!.Single(h => h.Key == method).Value;
    }

    private static JsonRpcNotification Updated(string uri = Uri) => new()
    {
        Method = NotificationMethods.ResourceUpdatedNotification,
        Params = JsonSerializer.SerializeToNode(new { uri }),
    };

    private static async Task Until(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Wait);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
