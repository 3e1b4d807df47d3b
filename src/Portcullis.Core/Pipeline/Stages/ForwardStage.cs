using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Polly;
using Polly.Retry;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Lifecycle;
using Portcullis.Core.Upstreams;
using Portcullis.Core.Upstreams.Credentials;
using Portcullis.Core.Upstreams.Http;

namespace Portcullis.Core.Pipeline.Stages;

/// <summary>
/// The end of the pipeline: sends the call to the upstream within the tool's timeout and copies its
/// answer faithfully. Refuses any call that did not pass every security stage (fail closed).
/// </summary>
/// <remarks>
/// Only a read-only call whose request never left the gateway is retried here; a write is never
/// retried by the gateway, whatever happened.
/// </remarks>
internal sealed class ForwardStage
{
    private readonly TimeProvider _time;
    private readonly GatewayDrain _drain;
    private readonly ILogger<ForwardStage> _logger;
    private readonly ResiliencePipeline<UpstreamAnswer> _readRetry;
    private readonly long _maxResultBytes;
    private readonly TimeSpan _lease;
    private readonly State.StateOutages _outages;

    public ForwardStage(GatewayConfig config, TimeProvider time, GatewayDrain drain, State.StateOutages outages, ILogger<ForwardStage> logger)
    {
        _outages = outages;
        _maxResultBytes = config.Limits.MaxResultBytes;
        _lease = TimeSpan.FromSeconds(config.Idempotency.LeaseSeconds);
        _time = time;
        _drain = drain;
        _logger = logger;
        _readRetry = new ResiliencePipelineBuilder<UpstreamAnswer> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<UpstreamAnswer>
            {
                ShouldHandle = new PredicateBuilder<UpstreamAnswer>().HandleResult(a => a.NotReached && a.Error!.Code.Retryable && a.Error.Code != ErrorCatalog.RateLimited),
                MaxRetryAttempts = 2,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(250),
            })
            .Build();
    }

    public async ValueTask<CallToolResult> InvokeAsync(ToolCallContext context, CancellationToken cancellationToken)
    {
        var missing = PassedStages.AllSecurity & ~context.Passed;
        if (missing != PassedStages.None || context.Tool is null)
        {
            Log.FailClosed(_logger, context.CorrelationId, context.Connector.Name, context.LogToolName, missing.ToString());
            return context.Fail(CallStage.Forward, GatewayError.Internal());
        }

        UpstreamAnswer answer;
        if (context.Tool.ReadOnly)
        {
            // Nobody is left to read the answer: stop the read upstream (the pipeline records the call as cancelled). Only a
            // session's call has such a signal; the others spare the linked source.
            using var callerGone = context.CallerGone.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.CallerGone) : null;
            answer = await _readRetry.ExecuteAsync((ctx, ct) => SendOnceAsync(ctx, ct), context, callerGone?.Token ?? cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // A write the caller gave up on before it was sent is not sent. Once sent, it runs to its end whatever the
            // caller does (notifications/cancelled, a timeout of its own, a closed connection), bounded only by its
            // timeout and the shutdown drain: its answer is stored under the key, so the caller's retry gets it rather
            // than outcome-unknown.
            cancellationToken.ThrowIfCancellationRequested();
            answer = await SendOnceAsync(context, CancellationToken.None).ConfigureAwait(false);
        }

        context.SentUpstream = answer.Sent;
        return answer.Error is { } error ? context.Fail(CallStage.Forward, error) : answer.Result!;
    }

    /// <summary>
    /// How long after its claim a write is checked against the store before it is sent: well under the 6 s after which a
    /// replica id whose holder renews nothing may be taken over. A call is sent within milliseconds of its claim unless
    /// the process was held up (frozen, paused, starved), so the check costs one store read only then.
    /// </summary>
    internal static readonly TimeSpan ClaimRecheckAfter = TimeSpan.FromSeconds(2);

    private async ValueTask<(string Reason, GatewayError Error)?> ClaimLostAsync(
        Func<CancellationToken, ValueTask<string?>> claimLost, string correlationId, CancellationToken cancellationToken)
    {
        try
        {
            return await claimLost(cancellationToken).ConfigureAwait(false) is { } reason ? (reason, GatewayError.ClaimLost()) : null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Not known to be this call's: not sent. An outage of the store is told as one, as every other.
            return ("the store could not be asked: " + ex.GetType().Name,
                _outages.IsOutage(ex) ? _outages.Refuse(ex, correlationId) : GatewayError.ClaimLost());
        }
    }

    private async ValueTask<UpstreamAnswer> SendOnceAsync(ToolCallContext context, CancellationToken cancellationToken)
    {
        // First, so that the checks below (the lease, the upstream, the drain) see the time after the store's answer.
        if (context.ClaimedAt is { } since && _time.GetElapsedTime(since) is var stalled && stalled >= ClaimRecheckAfter
            && context.ClaimLost is { } claimLost && await ClaimLostAsync(claimLost, context.CorrelationId, cancellationToken).ConfigureAwait(false) is { } lost)
        {
            // Within its lease, but held up long enough for a process started with this replica's id to take the id over
            // and settle this claim outcome-unknown, an operator to settle it not executed, and a retry to run it elsewhere.
            Log.WriteClaimNoLongerHeld(_logger, context.CorrelationId, stalled.TotalSeconds, lost.Reason);
            return new UpstreamAnswer(null, lost.Error, Sent: false);
        }

        var upstream = context.Connector.Upstream;
        if (upstream.Client is not { } client)
        {
            Log.UpstreamNotReached(_logger, context.CorrelationId, "upstream down", null);
            return new UpstreamAnswer(null, Unavailable(upstream.Status.NextAttemptAt), Sent: false);
        }

        if (upstream.ToolsOutdated)
        {
            Log.UpstreamNotReached(_logger, context.CorrelationId, "its tools changed and could not be listed yet", null);
            return new UpstreamAnswer(null, new GatewayError(ErrorCatalog.UpstreamUnavailable,
                "The upstream server announced a change to its tools that the gateway could not read yet; retry shortly.") { RetryAfterSeconds = 5 }, Sent: false);
        }

        if (_drain.Deadline.IsCancellationRequested)
        {
            Log.UpstreamNotReached(_logger, context.CorrelationId, "the gateway is shutting down", null);
            return new UpstreamAnswer(null, GatewayError.ShuttingDown(), Sent: false);
        }

        var timeout = TimeSpan.FromSeconds(context.Tool!.TimeoutSeconds);
        if (context.ClaimedAt is { } claimedAt && _time.GetElapsedTime(claimedAt) is var held && held + timeout >= _lease)
        {
            // The process was held up (frozen, paused, starved) since it claimed the key: its lease no longer covers the
            // call, so other replicas may already answer the key outcome-unknown and an operator may have settled it and
            // let a retry run it elsewhere. Not sent; the key is released if it is still this call's.
            Log.WriteLeaseRanOut(_logger, context.CorrelationId, held.TotalSeconds, _lease.TotalSeconds);
            return new UpstreamAnswer(null, GatewayError.ClaimRanOut(), Sent: false);
        }

        using var deadline = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token, _drain.Deadline);

        // A fresh request: the caller's _meta does not cross the hop; progress travels under the gateway's own
        // token, which the relay maps back to the caller's.
        using var relay = context.Downstream is { } downstream ? context.Connector.Relay.Begin(downstream, context.Caller.Key, context.ProgressToken, context.Logging, linked.Token) : null;
        var request = new CallToolRequestParams { Name = context.Tool.Name, Arguments = context.Arguments, Meta = relay?.UpstreamMeta() };

        // The gateway's own trace context, never the caller's _meta, travels upstream.
        request.Meta = TraceParents.Inject(request.Meta);

        try
        {
            // From here the upstream may act, even if the caller goes away before the answer comes back.
            context.SentUpstream = true;
            var answer = await client.CallToolAsync(request, linked.Token).ConfigureAwait(false);
            if (relay is not null)
            {
                await relay.SettleAsync().ConfigureAwait(false);
            }

            if (!UpstreamAnswerSize.Fits(answer, _maxResultBytes))
            {
                return TooLarge(context, _maxResultBytes);
            }

            if (answer.StructuredContent is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) })
            {
                // The protocol makes structuredContent an object; a client typed for it would fail on anything else.
                Log.UpstreamMalformedResult(_logger, context.CorrelationId, null);
                return new UpstreamAnswer(null, NotAToolResult(), Sent: true);
            }

            // The upstream's own _meta stays on its side of the hop.
            var copy = new CallToolResult { Content = answer.Content, StructuredContent = answer.StructuredContent, IsError = answer.IsError };
            return new UpstreamAnswer(copy, null, Sent: true);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Cancelling the request told the upstream with notifications/cancelled (the SDK over stdio, InOrderTransport over HTTP).
            Log.UpstreamTimedOut(_logger, context.CorrelationId, timeout.TotalSeconds);
            return new UpstreamAnswer(null, new GatewayError(ErrorCatalog.UpstreamTimeout, $"The upstream did not answer within {timeout.TotalSeconds:0} seconds; the call was cancelled."), Sent: true);
        }
        catch (OperationCanceledException) when (_drain.Deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Log.CallDrained(_logger, context.CorrelationId);
            return new UpstreamAnswer(null, context.Tool.ReadOnly
                ? GatewayError.ShuttingDown()
                : GatewayError.WriteAnswerLost(ErrorCatalog.UpstreamUnavailable, "The gateway shut down before the upstream answered and cancelled the call"), Sent: true);
        }
        catch (McpProtocolException ex)
        {
            Log.UpstreamRejected(_logger, context.CorrelationId, (int)ex.ErrorCode, ex);
            return new UpstreamAnswer(null, new GatewayError(ErrorCatalog.UpstreamError, "The upstream server rejected the call."), Sent: true);
        }
        catch (Exception ex) when (ExceptionChain.Find<System.Text.Json.JsonException>(ex) is not null)
        {
            // The upstream answered, but not with a tool result (content not a list, a field of the wrong type): the
            // connection is fine and a retry would get the same answer, so this is the upstream's error, not an outage.
            Log.UpstreamMalformedResult(_logger, context.CorrelationId, ex);
            return new UpstreamAnswer(null, NotAToolResult(), Sent: true);
        }
        catch (Exception ex) when (ExceptionChain.Find<UpstreamAnswerTooLargeException>(ex) is { } tooLarge)
        {
            return TooLarge(context, tooLarge.Limit);
        }
        catch (Exception ex) when (ExceptionChain.Find<UpstreamRetryAfterException>(ex) is { StatusCode: HttpStatusCode.TooManyRequests } limited)
        {
            return new UpstreamAnswer(null, GatewayError.UpstreamRateLimited(limited.RetryAfter), Sent: false);
        }
        catch (Exception ex) when (ExceptionChain.Find<UpstreamRetryAfterException>(ex) is { } busy && context.Tool.ReadOnly)
        {
            // A write answered 503 falls through: the request reached the upstream, which may have acted before answering.
            Log.UpstreamCallFailed(_logger, context.CorrelationId, ex);
            return new UpstreamAnswer(null, GatewayError.UpstreamBusy(busy.RetryAfter), Sent: true);
        }
        catch (Exception ex) when (ExceptionChain.Find<UpstreamCredentialsRefusedException>(ex) is { } refused)
        {
            // 401 or 403: the upstream did not act, so a write's key is released; the same call would be refused again.
            var status = (int)(refused.StatusCode ?? HttpStatusCode.Unauthorized);
            Log.UpstreamRefusedCredentials(_logger, context.CorrelationId, context.Connector.Name, status);
            return new UpstreamAnswer(null, GatewayError.UpstreamRefusedCredentials(status), Sent: false);
        }
        catch (Exception ex) when (ExceptionChain.Find<UpstreamNotReachedException>(ex) is { } notReached)
        {
            Log.UpstreamNotReached(_logger, context.CorrelationId, notReached.InnerException?.GetType().Name ?? "not reached", ex);
            return new UpstreamAnswer(null, new GatewayError(ErrorCatalog.UpstreamUnavailable, "The upstream server is not reachable right now; retry shortly.")
            {
                RetryAfterSeconds = GatewayError.WholeSeconds(notReached.RetryAfter),
            }, Sent: false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.UpstreamCallFailed(_logger, context.CorrelationId, ex);
            return new UpstreamAnswer(null, context.Tool.ReadOnly
                ? Unavailable(upstream.Status.NextAttemptAt)
                : GatewayError.WriteAnswerLost(ErrorCatalog.UpstreamUnavailable, "The connection to the upstream server was lost before it answered"), Sent: true);
        }
    }

    /// <summary>The answer passed <c>limits.max_result_bytes</c>: dropped, and a write has acted without an answer to show.</summary>
    private UpstreamAnswer TooLarge(ToolCallContext context, long limit)
    {
        Log.UpstreamAnswerTooLarge(_logger, context.CorrelationId, limit);
        return new UpstreamAnswer(null, GatewayError.AnswerTooLarge(limit, write: !context.Tool!.ReadOnly), Sent: true);
    }

    private static GatewayError NotAToolResult() => new(ErrorCatalog.UpstreamError, "The upstream server answered with something that is not a valid tool result.");

    private GatewayError Unavailable(DateTimeOffset? nextAttemptAt) =>
        new(ErrorCatalog.UpstreamUnavailable, "The upstream server is not reachable right now; retry shortly.")
        {
            RetryAfterSeconds = nextAttemptAt is { } next ? GatewayError.WholeSeconds(next - _time.GetUtcNow()) : 1,
        };
}
