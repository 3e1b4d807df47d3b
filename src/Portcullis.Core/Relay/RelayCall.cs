using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Portcullis.Core.Relay;

/// <summary>
/// One downstream request on its way to the upstream: what the gateway needs to send the upstream's
/// progress, log messages and questions back to the very client that made it.
/// </summary>
internal sealed class RelayCall : IDisposable
{
    /// <summary>How long the result waits for the messages that came before it to reach a slow client.</summary>
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many messages may wait for a client that does not read: an upstream can send far faster than a stalled
    /// client takes, and every waiting message holds memory until the call ends.
    /// </summary>
    internal const int MaxQueued = 10_000;

    private readonly ConnectorRelay _relay;
    private readonly OrderedDelivery _delivery;

    private readonly CancellationToken _cancellation;

    internal RelayCall(ConnectorRelay relay, McpServer downstream, string callerKey, ProgressToken? downstreamProgressToken, CallLogging logging, string upstreamProgressToken, long sequence, CancellationToken cancellation)
    {
        _relay = relay;
        _logging = logging;
        _cancellation = cancellation;
        Downstream = downstream;
        CallerKey = callerKey;
        DownstreamProgressToken = downstreamProgressToken;
        UpstreamProgressToken = upstreamProgressToken;
        Sequence = sequence;
        SessionKey = (object?)downstream.SessionId ?? this;
        Pending = MrtrBridge.Current;
        _delivery = new OrderedDelivery(downstream, MaxQueued);
    }

    /// <summary>Set when the caller is a stateless client whose questions travel as input-required results.</summary>
    public PendingCall? Pending { get; }

    /// <summary>The downstream request's own server: messages sent through it travel on that request's stream.</summary>
    public McpServer Downstream { get; }

    public ProgressToken? DownstreamProgressToken { get; }

    /// <summary>The caller's principal key (<see cref="Security.CallerIdentity.Key"/>).</summary>
    public string CallerKey { get; }

    /// <summary>The gateway's own token for the upstream request; it maps upstream progress back to this call.</summary>
    public string UpstreamProgressToken { get; }

    /// <summary>The <c>_meta</c> of the upstream request: the gateway's progress token when the caller asked for progress, else none.</summary>
    public System.Text.Json.Nodes.JsonObject? UpstreamMeta() =>
        DownstreamProgressToken is null ? null : new System.Text.Json.Nodes.JsonObject { ["progressToken"] = UpstreamProgressToken };

    /// <summary>Identifies the downstream session (its id) or, without a session, this request alone.</summary>
    public object SessionKey { get; }

    public long Sequence { get; }

    /// <summary>
    /// Queues a message (progress, a log line) for the client behind those queued before it. Called on the upstream's
    /// reader, so the sending itself happens elsewhere: the next message from the upstream never waits for this client.
    /// </summary>
    public void Deliver(Func<McpServer, Task> send) => _delivery.Enqueue(send);

    private readonly CallLogging _logging;

    private Task<LoggingLevel?>? _sessionLevel;

    /// <summary>
    /// Queues a log message of <paramref name="level"/> for the client if it asked for it: a 2026-07-28 request at or
    /// above its own level, and never without one; a session at or above the level its client last asked for on any
    /// replica, read once a call, in the queue, so that messages keep their order while it is read.
    /// </summary>
    public void DeliverLog(LoggingLevel level, Func<McpServer, Task> send)
    {
        if (_logging.PerRequest)
        {
            if (_logging.Level is { } asked && level >= asked)
            {
                Deliver(send);
            }

            return;
        }

        if (Downstream.SessionId is not { } sessionId || _relay.Levels is not { } levels)
        {
            if (Downstream.LoggingLevel is not { } own || level >= own)
            {
                Deliver(send);
            }

            return;
        }

        var sessionLevel = _sessionLevel ??= levels.ReadAsync(sessionId, Downstream.LoggingLevel, _cancellation);
        if (sessionLevel.IsCompletedSuccessfully)
        {
            if (sessionLevel.Result is not { } known || level >= known)
            {
                Deliver(send);
            }

            return;
        }

        Deliver(async downstream =>
        {
            if (await sessionLevel.ConfigureAwait(false) is not { } known || level >= known)
            {
                await send(downstream).ConfigureAwait(false);
            }
        });
    }

    /// <summary>
    /// Whether the call was given up before the upstream answered (timed out, cancelled, its caller gone): the upstream
    /// may still be working on it. A call the upstream answered, even with an error, or whose connection ended, was not.
    /// </summary>
    public bool Abandoned => !_answered && _cancellation.IsCancellationRequested;

    private bool _answered;

    /// <summary>Messages not delivered because <see cref="MaxQueued"/> were already waiting for this client.</summary>
    public long Dropped => _delivery.Dropped;

    /// <summary>
    /// Waits until what the upstream sent before its answer has reached the client (at most a few seconds), so the
    /// answer never overtakes it: on a per-request stream the answer ends the stream, and later messages are lost.
    /// </summary>
    public async Task SettleAsync()
    {
        _answered = true;
        var delivered = _delivery.Delivered;
        if (delivered.IsCompleted)
        {
            return;
        }

        // A client too slow to take its own progress gets the answer anyway.
        await delivered.WaitAsync(SettleLimit).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => _relay.End(this);
}
