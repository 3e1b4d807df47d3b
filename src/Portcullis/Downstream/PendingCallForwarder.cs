using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Relay;
using Portcullis.Core.State;
using Portcullis.Diagnostics;
using Portcullis.Refusals;

namespace Portcullis.Downstream;

/// <summary>
/// Sends a 2026-07-28 multi round-trip retry to the replica that holds its waiting upstream call, when it reached
/// another one: the request goes as it came (the client's own token, checked again there) and the answer streams
/// back. A holder that is gone (it does not answer, or it restarted and lost the call) gets a structured answer at
/// once, never a hang: the retryable <c>upstream_unavailable</c> for a read, <c>idempotency_outcome_unknown</c> for a
/// write (sent upstream before the upstream asked its question, so it may have acted), unless the store still holds the
/// write for its review (the question was a caller-mode confirmation, asked before anything is sent): retryable then too. A forwarded request is never forwarded again.
/// A 2025-11-25 session client's answer to a question (sampling, elicitation, roots) that reached a replica other than the
/// one that asked it is forwarded the same way (<see cref="SessionQuestionRoutes"/>).
/// </summary>
/// <remarks>
/// A holder that is frozen rather than gone (SIGSTOP, a paused VM) still has its kernel accept the connection, so the
/// connect timeout does not catch it: its answer must also begin, and keep coming, within the call's own timeout and a
/// grace, since the holder itself ends the call by then.
/// </remarks>
internal sealed class PendingCallForwarder(
    RequestDelegate next,
    MrtrBridge bridge,
    IHttpClientFactory clients,
    StateClock clock,
    ReplicaIdentity replica,
    HttpRefusals refusals,
    ConnectorRegistry connectors,
    TimeProvider time,
    ILogger<PendingCallForwarder> logger,
    SessionQuestionRoutes questions,
    StateOutages outages,
    HeldCalls held,
    IPendingCallRoutes? routes = null)
{
    public const string ClientName = "portcullis-replicas";

    /// <summary>Marks a request one replica sent another, naming the sender.</summary>
    public const string ForwardedHeader = "Portcullis-Forwarded-By";

    /// <summary>How long a replica may take to accept the connection before it counts as gone.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Beyond the call's timeout, how long the holder's answer may keep the forwarder waiting.</summary>
    public static readonly TimeSpan AnswerGrace = TimeSpan.FromSeconds(5);

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host", "Content-Length",
    };

    public async Task InvokeAsync(HttpContext context)
    {
        if (questions.Enabled && await StreamHolderElsewhereAsync(context) is { } holder)
        {
            await ForwardSubscriptionAsync(context, holder);
            return;
        }

        if (questions.Enabled && await AskerElsewhereAsync(context) is { } asker)
        {
            context.Features.Set(TakenPastTheTransport.Instance);
            await ForwardAsync(context, asker, ConnectTimeout + AnswerGrace, (reason, ex) =>
            {
                // The question is the asker's alone; the call that asked it ends at its own timeout.
                GatewayLog.SessionAnswerAskerGone(logger, asker.Owner, asker.AdvertiseUrl, reason, ex);
                context.Response.StatusCode = StatusCodes.Status202Accepted;
                return Task.CompletedTask;
            }, () => GatewayLog.SessionAnswerForwarded(logger, asker.Owner, asker.AdvertiseUrl));
            return;
        }

        if (routes is null || !bridge.Routes
            || context.Features.Get<JsonRpcRequestFeature>() is not { RequestState: { } state } feature
            || bridge.Holds(state))
        {
            await next(context);
            return;
        }

        var route = await routes.GetAsync(MrtrBridge.CallOf(state), clock.GetUtcNow(), context.RequestAborted);
        if (route is null && outages.SeenWithin(StateOutages.Aftermath))
        {
            // Its holder may not have been able to record itself during the outage: it does so once the store answers.
            throw new StateRecoveringException($"no holder stored for the pending call, within {StateOutages.Aftermath.TotalSeconds:F0} s of an outage of the store");
        }

        if (route is null || route.Owner == replica.Owner)
        {
            // Unknown, expired or finished here: the bridge refuses it as an unknown state.
            await next(context);
            return;
        }

        if (ReplicaIdentity.IdOf(route.Owner) == replica.Id)
        {
            await AnswerGoneAsync(context, feature, route, "this replica restarted since it held the call", null);
            return;
        }

        if (context.Request.Headers.ContainsKey(ForwardedHeader))
        {
            await AnswerGoneAsync(context, feature, route, "the replica at its address no longer holds it", null);
            return;
        }

        context.Features.Set(TakenPastTheTransport.Instance);
        await ForwardAsync(context, route, Judge(context, feature.ToolName!).AnswerWithin,
            (reason, ex) => AnswerGoneAsync(context, feature, route, reason, ex),
            () => GatewayLog.PendingCallForwarded(logger, route.Owner, route.AdvertiseUrl));
    }

    /// <summary>
    /// For a session client's answer (a JSON-RPC response) to a question another replica asked, still running there: that
    /// replica. Null for anything else, and for an answer already forwarded once or whose asker restarted since.
    /// </summary>
    private async ValueTask<PendingCallRoute?> AskerElsewhereAsync(HttpContext context)
    {
        if (context.Features.Get<JsonRpcRequestFeature>() is not { Method: null, Id: { } id }
            || context.Request.Headers["Mcp-Session-Id"].ToString() is not { Length: > 0 } sessionId
            || context.Request.Headers.ContainsKey(ForwardedHeader))
        {
            return null;
        }

        return Elsewhere(await questions.AskerAsync(sessionId, id, context.RequestAborted));
    }

    /// <summary>
    /// For a session's <c>resources/subscribe</c> or <c>resources/unsubscribe</c> that reached a replica other than the one
    /// holding the session's event stream: that replica, where the updates must come from. Null for anything else.
    /// </summary>
    private async ValueTask<PendingCallRoute?> StreamHolderElsewhereAsync(HttpContext context)
    {
        if (context.Features.Get<JsonRpcRequestFeature>() is not { Method: RequestMethods.ResourcesSubscribe or RequestMethods.ResourcesUnsubscribe }
            || context.Request.Body is not MemoryStream
            || context.Request.Headers["Mcp-Session-Id"].ToString() is not { Length: > 0 } sessionId
            || context.Request.Headers.ContainsKey(ForwardedHeader))
        {
            return null;
        }

        return Elsewhere(await questions.StreamHolderAsync(sessionId, context.RequestAborted));
    }

    /// <summary>The route when it names another replica (not this process, nor an earlier run of this replica), else null.</summary>
    private PendingCallRoute? Elsewhere(PendingCallRoute? route) =>
        route is not null && route.Owner != replica.Owner && ReplicaIdentity.IdOf(route.Owner) != replica.Id ? route : null;

    /// <summary>Sends a subscription to the stream's holder; one that does not answer leaves it to this replica, as with one replica.</summary>
    private async Task ForwardSubscriptionAsync(HttpContext context, PendingCallRoute holder)
    {
        var method = context.Features.Get<JsonRpcRequestFeature>()!.Method!;
        // The body as read before (JsonRpcRequestMiddleware), to take the request here should the holder not answer.
        var body = ((MemoryStream)context.Request.Body).ToArray();
        var forwarded = false;
        await ForwardAsync(context, holder, SubscriptionTimeout(context, body) + AnswerGrace, (reason, ex) =>
        {
            GatewayLog.SessionStreamHolderGone(logger, method, holder.Owner, holder.AdvertiseUrl, reason, ex);
            return Task.CompletedTask;
        }, () =>
        {
            forwarded = true;
            context.Features.Set(TakenPastTheTransport.Instance);
            GatewayLog.SessionSubscriptionForwarded(logger, method, holder.Owner, holder.AdvertiseUrl);
        });

        if (!forwarded && !context.RequestAborted.IsCancellationRequested)
        {
            context.Request.Body = new MemoryStream(body, writable: false);
            await next(context);
        }
    }

    /// <summary>What the holder allows the upstream for the subscription's resource (its <c>timeout_seconds</c>, or the default).</summary>
    private TimeSpan SubscriptionTimeout(HttpContext context, byte[] body)
    {
        if (context.GetRouteValue("server") is string server && connectors.TryGet(server, out var connector))
        {
            using var message = System.Text.Json.JsonDocument.Parse(body);
            if (message.RootElement.TryGetProperty("params", out var parameters) && parameters.ValueKind == System.Text.Json.JsonValueKind.Object
                && parameters.TryGetProperty("uri", out var uri) && uri.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                return connector.Policy.ResourceTimeout(uri.GetString()!);
            }
        }

        return ConnectorPolicy.DefaultTimeout;
    }

    private async Task ForwardAsync(HttpContext context, PendingCallRoute route, TimeSpan within, Func<string, Exception?, Task> gone, Action forwarded)
    {
        var target = new Uri(route.AdvertiseUrl.TrimEnd('/') + context.Request.Path + context.Request.QueryString);
        using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new StreamContent(context.Request.Body) };
        foreach (var (name, values) in context.Request.Headers)
        {
            if (!HopByHop.Contains(name) && !request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        // The original Host, so the holder checks the request exactly as this replica would have.
        request.Headers.Host = context.Request.Host.Value;
        request.Headers.Add(ForwardedHeader, replica.Owner);

        // Armed again before each read of the answer: a holder frozen before or during its answer is caught either way.
        using var stalled = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stalled.Token);
        stalled.CancelAfter(within);
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, waiting.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !context.RequestAborted.IsCancellationRequested))
        {
            var reason = stalled.IsCancellationRequested ? $"it did not answer within {within.TotalSeconds:0} s" : "it does not answer";
            await gone(reason, ex);
            return;
        }

        using (response)
        {
            forwarded();
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopByHop.Contains(name))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }

            // Streamed chunk by chunk: the answer may be an event stream that stays open while the call runs.
            await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
            var buffer = new byte[16 * 1024];
            while (true)
            {
                stalled.CancelAfter(within);
                int read;
                try
                {
                    read = await body.ReadAsync(buffer, waiting.Token);
                }
                catch (OperationCanceledException) when (stalled.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
                {
                    // The answer has begun, so no structured refusal can follow: the client sees the stream end and retries.
                    GatewayLog.PendingCallHolderStalled(logger, route.Owner, route.AdvertiseUrl, within.TotalSeconds);
                    context.Abort();
                    return;
                }

                if (read == 0)
                {
                    break;
                }

                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
    }

    /// <summary>
    /// The forwarded call's tool as the pipeline judges it: a write unless known read-only (unknown means write), and the
    /// longest the holder may take, the call's own timeout and a grace for the hop. A tool missing from this replica's
    /// catalog (outdated here, or its connector unknown) is judged by the config alone.
    /// </summary>
    /// <remarks>Only a <c>tools/call</c> carries a <c>requestState</c>, so every forwarded request names its tool.</remarks>
    private (bool Write, TimeSpan AnswerWithin) Judge(HttpContext context, string name)
    {
        var connector = context.GetRouteValue("server") is string server && connectors.TryGet(server, out var found) ? found : null;
        if (connector is not null && connector.Catalog.Current.TryGet(name, out var tool))
        {
            return (!tool.ReadOnly, TimeSpan.FromSeconds(tool.TimeoutSeconds) + AnswerGrace);
        }

        var policy = connector?.Config.Tools.GetValueOrDefault(name);
        return (policy?.ReadOnly != true, TimeSpan.FromSeconds(policy?.TimeoutSeconds ?? ConfigDefaults.CallTimeoutSeconds) + AnswerGrace);
    }

    private async Task AnswerGoneAsync(HttpContext context, JsonRpcRequestFeature feature, PendingCallRoute route, string reason, Exception? exception)
    {
        var correlationId = CorrelationIds.Next();
        GatewayLog.PendingCallHolderGone(logger, route.Owner, route.AdvertiseUrl, reason, correlationId, exception);

        // A write's call was sent upstream before the upstream asked its question, and it may have acted: never an answer
        // that invites a retry (its key is the holder's, and outcome-unknown once the holder's claim is settled). Unless the
        // question was the gateway's own, a caller-mode review's confirmation: then the store still holds the call for its
        // review, nothing was sent, and the retry with the key asks the user again.
        var error = !Judge(context, feature.ToolName!).Write
            ? new GatewayError(ErrorCatalog.UpstreamUnavailable,
                "The gateway replica that held this call's waiting upstream request is gone, and the request with it. Call the tool again, without requestState.")
            {
                RetryAfterSeconds = 1,
            }
            : context.GetRouteValue("server") is string server && context.Request.Body is MemoryStream body
                && await held.AwaitingReviewAsync(context, body.ToArray(), server, feature.ToolName!)
            ? new GatewayError(ErrorCatalog.UpstreamUnavailable,
                "The gateway replica that asked the calling user to confirm this write is gone, and the question with it; the write was not sent. " +
                "Call the tool again with the same idempotency_key, without requestState: the user is asked again.")
            {
                RetryAfterSeconds = 1,
            }
            : GatewayError.OutcomeUnknownAfterSend(GatewayError.WriteAnswerLost(ErrorCatalog.UpstreamUnavailable,
                "The gateway replica that held this write's waiting upstream request is gone, and the request with it"));
        await refusals.WriteAsync(context, new HttpRefusal(StatusCodes.Status200OK, error, CallStage.Forward, "holder_gone", reason)
        {
            Body = RefusalBody.ToolResult,
            RpcId = feature.Id is null ? null : JsonNode.Parse(feature.Id),
            Tool = feature.ToolName,
            CorrelationId = correlationId,
            Logged = true,
        });
    }
}
