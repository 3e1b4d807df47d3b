using ModelContextProtocol.Server;

namespace Portcullis.Core.Relay;

/// <summary>
/// Messages for one client, sent in the order they were queued, each once the one before it was sent. Whoever queues
/// one never waits for it: a client that does not read holds up only its own messages, never the upstream's reader or
/// other clients. At most <paramref name="limit"/> wait; past that, messages are dropped and counted (they are
/// advisory: progress, log lines, notifications), so a stalled client cannot grow the gateway's memory.
/// </summary>
internal sealed class OrderedDelivery(McpServer client, int limit)
{
    private readonly Lock _gate = new();
    private Task _delivered = Task.CompletedTask;
    private int _queued;
    private long _dropped;

    /// <summary>Messages not sent because the limit given were already waiting.</summary>
    public long Dropped
    {
        get
        {
            lock (_gate)
            {
                return _dropped;
            }
        }
    }

    /// <summary>Completes once every message queued so far was sent (or failed).</summary>
    public Task Delivered
    {
        get
        {
            lock (_gate)
            {
                return _delivered;
            }
        }
    }

    /// <summary>Queues <paramref name="send"/> behind the messages before it; false when it was dropped instead.</summary>
    public bool Enqueue(Func<McpServer, Task> send)
    {
        lock (_gate)
        {
            if (_queued >= limit)
            {
                _dropped++;
                return false;
            }

            _queued++;
            _delivered = SendAfterAsync(_delivered, send);
            return true;
        }
    }

    private async Task SendAfterAsync(Task previous, Func<McpServer, Task> send)
    {
        // Yielding first: the send never runs on the caller's thread (the upstream's reader).
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ForceYielding);
        try
        {
            await send(client).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client went away: this message is lost (others fail the same way, quietly).
        }
        finally
        {
            lock (_gate)
            {
                _queued--;
            }
        }
    }
}
