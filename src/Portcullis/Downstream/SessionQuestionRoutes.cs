using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Relay;
using Portcullis.Core.State;
using Portcullis.Diagnostics;

namespace Portcullis.Downstream;

/// <summary>
/// Which replica asked a 2025-11-25 session's client a question (sampling, elicitation, roots) on behalf of an upstream:
/// the client answers with a POST of its own, which a balancer may send to any replica, and only the asking one holds
/// the request the answer belongs to. Recorded in the state store as a pending-call route keyed by the session and the
/// question's JSON-RPC id, so <see cref="PendingCallForwarder"/> sends the answer to the asking replica; likewise which
/// replica holds the session's event stream, where its subscriptions are sent.
/// Each replica numbers a session's questions from its own count, so two calls of one session running on two replicas
/// would ask the client two questions of the same id, and an answer could be taken for the other one (a confirmation
/// of one action applied to another). A question therefore goes out under an id of this process's own
/// (<c>q&lt;random&gt;-&lt;n&gt;</c>), and its answer comes back in under the number the MCP layer waits for.
/// </summary>
internal sealed class SessionQuestionRoutes(
    StateClock clock, ReplicaIdentity replica, RouteRecorder recorder, ILogger<SessionQuestionRoutes> logger, IPendingCallRoutes? routes = null)
{
    /// <summary>Longer than any question may wait: a call's timeout is under its idempotency lease, itself bounded.</summary>
    internal static readonly TimeSpan Lifetime = MrtrBridge.Lifetime;

    /// <summary>As long as a session is kept: a stream opened again (on any replica) records its own holder.</summary>
    internal static readonly TimeSpan StreamLifetime = TimeSpan.FromHours(24);

    /// <summary>How long a look-up may take (a record, <see cref="RouteRecorder.StoreTimeout"/>): past it, the answer or subscription is taken where it arrived.</summary>
    private static readonly TimeSpan StoreTimeout = RouteRecorder.StoreTimeout;

    /// <summary>An id longer than this was never one of the gateway's: it is not looked up.</summary>
    private const int MaxIdLength = 256;

    private static readonly JsonTypeInfo<RequestId> IdType = (JsonTypeInfo<RequestId>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(RequestId));

    /// <summary>The questions whose record the store did not take and is made again (<see cref="RecordAgainAsync"/>) while they are open.</summary>
    private readonly ConcurrentDictionary<string, PendingCallRoute> _unrecorded = new(StringComparer.Ordinal);

    /// <summary>This process's questions' id prefix: no other replica, nor an earlier run of this one, writes it.</summary>
    private readonly string _prefix = "q" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + "-";

    /// <summary>Whether questions are recorded, so that answers can be forwarded between replicas.</summary>
    public bool Enabled => routes is not null && replica.AdvertiseUrl is not null;

    /// <summary>Records this replica as the one asking <paramref name="id"/> in the session; one the store does not take is made again until it does.</summary>
    public ValueTask RecordAsync(string sessionId, RequestId id, CancellationToken cancellationToken) =>
        PutAsync(Key(sessionId, JsonSerializer.Serialize(id, IdType)), Lifetime, again: true, cancellationToken);

    /// <summary>
    /// Records this replica as the one holding the session's event stream (its GET): updates of the resources the session
    /// subscribes to reach the client only from there, so its subscriptions are sent there too. A failure only costs that (it
    /// is not made again: the stream may be opened again elsewhere meanwhile, whose record a late one here would overwrite).
    /// </summary>
    public ValueTask RecordStreamAsync(string sessionId, CancellationToken cancellationToken) =>
        sessionId.Length > MaxIdLength ? ValueTask.CompletedTask : PutAsync(StreamKey(sessionId), StreamLifetime, again: false, cancellationToken);

    /// <summary>The replica holding the session's event stream, or null when unknown (or the store does not answer).</summary>
    public ValueTask<PendingCallRoute?> StreamHolderAsync(string sessionId, CancellationToken cancellationToken) =>
        sessionId.Length > MaxIdLength ? ValueTask.FromResult<PendingCallRoute?>(null) : GetAsync(StreamKey(sessionId), cancellationToken);

    /// <summary>
    /// The replica that asked the question an answer's <paramref name="idJson"/> names in the session, or null when unknown.
    /// A store that does not answer makes it unknown: the answer goes to this replica's session, as it would with one
    /// replica, rather than being refused when it may well be this replica's own question.
    /// </summary>
    public ValueTask<PendingCallRoute?> AskerAsync(string sessionId, string idJson, CancellationToken cancellationToken) =>
        sessionId.Length > MaxIdLength || idJson.Length > MaxIdLength || Normalized(idJson) is not { } id
            ? ValueTask.FromResult<PendingCallRoute?>(null)
            : GetAsync(Key(sessionId, id), cancellationToken);

    /// <summary>
    /// Records this replica under <paramref name="key"/>; when <paramref name="again"/>, one the store does not take is made
    /// again while <paramref name="cancellationToken"/>, the question's, holds (a key no other process writes).
    /// </summary>
    private async ValueTask PutAsync(string key, TimeSpan lifetime, bool again, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }

        var route = new PendingCallRoute(replica.Owner, replica.AdvertiseUrl!, clock.GetUtcNow() + lifetime);
        if (await recorder.PutAsync(key, route, cancellationToken).ConfigureAwait(false) is { } failure)
        {
            GatewayLog.SessionQuestionRouteFailed(logger, failure);
            if (again)
            {
                _ = RecordAgainAsync(key, route, cancellationToken);
            }
        }
    }

    /// <summary>
    /// A question's record the store did not take (an outage) is made again every <see cref="RouteRecorder.RecordAgainEvery"/>
    /// until it takes it, or the record's life is over, or the question is: answered (<see cref="Incoming"/>), given up by the
    /// MCP layer (<paramref name="question"/>, which then tells the client it is cancelled) or gone with its session
    /// (<see cref="Ended"/>). An answer reaching another replica once the store is back is then forwarded here, instead of
    /// taken there, where nothing waits for it. The key is this process's alone (its question ids).
    /// </summary>
    private async Task RecordAgainAsync(string key, PendingCallRoute route, CancellationToken question)
    {
        // Added before the question goes out (its filter waits for this record), so its answer cannot come in first.
        _unrecorded[key] = route;
        try
        {
            await recorder.RecordAgainAsync(
                key, route, () => _unrecorded.ContainsKey(key), attempts => GatewayLog.SessionQuestionRouteRecordedLater(logger, attempts), question)
                .ConfigureAwait(false);
        }
        finally
        {
            _unrecorded.TryRemove(KeyValuePair.Create(key, route));
        }
    }

    /// <summary>The session ended here: the records of its questions are no longer made again.</summary>
    public void Ended(string sessionId)
    {
        var prefix = Key(sessionId, "");
        foreach (var (key, _) in _unrecorded)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                _unrecorded.TryRemove(key, out _);
            }
        }
    }

    private async ValueTask<PendingCallRoute?> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return null;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StoreTimeout);
            return await routes!.GetAsync(key, clock.GetUtcNow(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            GatewayLog.SessionQuestionRouteFailed(logger, ex);
            return null;
        }
    }

    /// <summary>
    /// A question (and the MCP layer's cancellation of one) as it goes to the client: under this process's own id. The
    /// MCP layer keeps waiting under its number, so the message is copied, never changed.
    /// </summary>
    public JsonRpcMessage Outgoing(JsonRpcMessage message) => message switch
    {
        JsonRpcRequest { Id.Id: long number } question => new JsonRpcRequest
        {
            JsonRpc = question.JsonRpc, Id = new RequestId(_prefix + number.ToString(CultureInfo.InvariantCulture)),
            Method = question.Method, Params = question.Params, Context = question.Context,
        },
        JsonRpcNotification { Method: NotificationMethods.CancelledNotification, Params: JsonObject parameters } cancelled
            when parameters["requestId"] is JsonValue id && id.GetValueKind() == JsonValueKind.Number
            && long.TryParse(id.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) => new JsonRpcNotification
            {
                JsonRpc = cancelled.JsonRpc, Method = cancelled.Method, Context = cancelled.Context,
                Params = new JsonObject(parameters.Select(member => KeyValuePair.Create(member.Key,
                    member.Key == "requestId" ? JsonValue.Create(_prefix + number.ToString(CultureInfo.InvariantCulture)) : member.Value?.DeepClone()))),
            },
        _ => message,
    };

    /// <summary>
    /// An answer to one of this process's questions, as the MCP layer waits for it: under its number. A copy: the MCP
    /// layer keeps the message as it came in its own bookkeeping of the messages it handles (keyed by the id it read).
    /// </summary>
    public JsonRpcMessage Incoming(string sessionId, JsonRpcMessage message)
    {
        var incoming = message switch
        {
            JsonRpcResponse { Id.Id: string id } answer when Number(id) is { } number =>
                new JsonRpcResponse { JsonRpc = answer.JsonRpc, Id = new RequestId(number), Result = answer.Result, Context = answer.Context },
            JsonRpcError { Id.Id: string id } refusal when Number(id) is { } number =>
                new JsonRpcError { JsonRpc = refusal.JsonRpc, Id = new RequestId(number), Error = refusal.Error, Context = refusal.Context },
            _ => message,
        };
        if (!ReferenceEquals(incoming, message) && !_unrecorded.IsEmpty)
        {
            // Its question is answered: a record of it the store did not take is no longer made again.
            _unrecorded.TryRemove(Key(sessionId, JsonSerializer.Serialize(((JsonRpcMessageWithId)message).Id, IdType)), out _);
        }

        return incoming;
    }

    private long? Number(string id) =>
        id.StartsWith(_prefix, StringComparison.Ordinal)
        && long.TryParse(id.AsSpan(_prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : null;

    /// <summary>The id as the gateway writes it, whatever spelling the client echoed it in; null when it is no id.</summary>
    private static string? Normalized(string idJson)
    {
        try
        {
            return JsonSerializer.Deserialize(idJson, IdType) is { Id: not null } id ? JsonSerializer.Serialize(id, IdType) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Apart from the multi round-trip states (hex and a dot): a session id and an id never make one of those.</summary>
    private static string Key(string sessionId, string idJson) => "session\u001f" + sessionId + "\u001f" + idJson;

    private static string StreamKey(string sessionId) => "stream\u001f" + sessionId;
}
