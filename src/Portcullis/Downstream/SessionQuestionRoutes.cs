using System.Text.Json;
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
/// question's JSON-RPC id, so <see cref="PendingCallForwarder"/> sends the answer to the asking replica.
/// </summary>
internal sealed class SessionQuestionRoutes(StateClock clock, ReplicaIdentity replica, ILogger<SessionQuestionRoutes> logger, IPendingCallRoutes? routes = null)
{
    /// <summary>Longer than any question may wait: a call's timeout is under its idempotency lease, itself bounded.</summary>
    internal static readonly TimeSpan Lifetime = MrtrBridge.Lifetime;

    /// <summary>An id longer than this was never one of the gateway's: it is not looked up.</summary>
    private const int MaxIdLength = 256;

    private static readonly JsonTypeInfo<RequestId> IdType = (JsonTypeInfo<RequestId>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(RequestId));

    /// <summary>Whether questions are recorded, so that answers can be forwarded between replicas.</summary>
    public bool Enabled => routes is not null && replica.AdvertiseUrl is not null;

    /// <summary>Records this replica as the one asking <paramref name="id"/> in the session; a failure only costs the forwarding.</summary>
    public async ValueTask RecordAsync(string sessionId, RequestId id, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }

        try
        {
            var now = clock.GetUtcNow();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await routes!.PutAsync(Key(sessionId, JsonSerializer.Serialize(id, IdType)), new PendingCallRoute(replica.Owner, replica.AdvertiseUrl!, now + Lifetime), now, timeout.Token)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            GatewayLog.SessionQuestionRouteFailed(logger, ex);
        }
    }

    /// <summary>
    /// The replica that asked the question an answer's <paramref name="idJson"/> names in the session, or null when unknown.
    /// A store that does not answer makes it unknown: the answer goes to this replica's session, as it would with one
    /// replica, rather than being refused when it may well be this replica's own question.
    /// </summary>
    public async ValueTask<PendingCallRoute?> AskerAsync(string sessionId, string idJson, CancellationToken cancellationToken)
    {
        if (!Enabled || idJson.Length > MaxIdLength || Normalized(idJson) is not { } id)
        {
            return null;
        }

        try
        {
            return await routes!.GetAsync(Key(sessionId, id), clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            GatewayLog.SessionQuestionRouteFailed(logger, ex);
            return null;
        }
    }

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
}
