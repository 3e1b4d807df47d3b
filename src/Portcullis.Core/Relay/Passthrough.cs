using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Lifecycle;
using Portcullis.Core.Pipeline;
using Portcullis.Core.RateLimiting;
using Portcullis.Core.Security;

namespace Portcullis.Core.Relay;

/// <summary>
/// Forwards resources, prompts, completions and logging requests to a connector's upstream under the same controls as
/// tools: the allow-lists and the scopes of each entry (what a caller may not see is absent from lists and answers
/// exactly as unknown), the connector's rate limit, a timeout, and the shutdown drain. Refusals are JSON-RPC errors
/// carrying the catalog envelope (<see cref="RelayErrors"/>).
/// </summary>
internal sealed partial class Passthrough(
    Configuration.GatewayConfig config, CallRateLimiters limiters, GatewayDrain drain, Audit.DecisionRecorder recorder, GatewayTelemetry telemetry, State.StateOutages outages, TimeProvider time, ILogger<Passthrough> logger,
    SessionSubscriptions? subscriptions = null)
{
    private static void RequireResource(Connector connector, CallerIdentity caller, McpServer downstream, string? uri)
    {
        if (!connector.Policy.AllowsUri(uri, caller))
        {
            throw ResourceNotFound(downstream, uri);
        }
    }

    /// <summary>
    /// The same answer whether the upstream lacks the resource or policy hides it: -32002 for clients of
    /// 2025-11-25 and earlier, -32602 from 2026-07-28 (SEP-2164), with the URI in the error data.
    /// </summary>
    private static McpProtocolException ResourceNotFound(McpServer downstream, string? uri)
    {
        var code = string.CompareOrdinal(downstream.NegotiatedProtocolVersion, "2026-07-28") >= 0 ? McpErrorCode.InvalidParams : McpErrorCode.ResourceNotFound;
        var error = new McpProtocolException($"Resource not found: '{uri}'", code);
        error.Data["uri"] = uri;
        return error;
    }

    private static DownstreamSession Session(Connector connector, McpServer server) =>
        connector.Relay.TryGetSession(server.SessionId, out var session)
            ? session
            : throw new McpProtocolException("Resource subscriptions need a session (protocol 2025-11-25 or earlier over a stateful transport).", McpErrorCode.InvalidRequest);

    /// <summary>
    /// Sends one request upstream under the connector's rate limit, the timeout and the shutdown drain. With
    /// <paramref name="audit"/> (reads and gets), every way it ends is recorded there; other refusals are logged here.
    /// </summary>
    private async ValueTask<T> ForwardAsync<TParams, T>(
        Connector connector,
        CallerIdentity caller,
        RequestContext<TParams> request,
        string method,
        TimeSpan timeout,
        Func<McpClient, RelayCall, CancellationToken, Task<T>> forward,
        CancellationToken cancellationToken,
        AuditedRequest? audit = null)
        where TParams : RequestParams
    {
        var correlationId = audit?.CorrelationId ?? CorrelationIds.Next();
        TimeSpan? retryAfter;
        try
        {
            retryAfter = await limiters.AcquireAsync(connector.Config, tool: null, caller.Key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && outages.IsOutage(ex))
        {
            throw Refuse(connector, method, outages.Refuse(ex, correlationId), correlationId, CallStage.RateLimit, audit, upstreamReached: false);
        }

        if (retryAfter is { } wait)
        {
            throw Refuse(connector, method, GatewayError.RateLimited(wait), correlationId, CallStage.RateLimit, audit, upstreamReached: false);
        }

        if (drain.Deadline.IsCancellationRequested)
        {
            throw Refuse(connector, method, GatewayError.ShuttingDown(), correlationId, CallStage.Forward, audit, upstreamReached: false);
        }

        if (connector.Upstream.Client is not { } client)
        {
            throw Refuse(connector, method, Unavailable(connector), correlationId, CallStage.Forward, audit, upstreamReached: false);
        }

        using var inFlight = drain.Track();
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token, drain.Deadline);
        using var call = connector.Relay.Begin(request.Server, caller.Key, request.Params?.ProgressToken, CallLogging.Of(request.Server, request.JsonRpcRequest), linked.Token);
        try
        {
            var result = await forward(client, call, linked.Token).ConfigureAwait(false);
            if (result is Result answer && !Upstreams.UpstreamAnswerSize.Fits(answer, config.Limits.MaxResultBytes))
            {
                // An HTTP upstream's answer was stopped while read; a stdio upstream's line was read whole up to its line limit.
                throw new Upstreams.UpstreamAnswerTooLargeException(config.Limits.MaxResultBytes);
            }

            await call.SettleAsync().ConfigureAwait(false);
            audit?.Allowed();
            return result;
        }
        catch (DefinitionWithheldException withheld) when (audit is null)
        {
            // A subscribe or completion has no audit of its own; refused for pins, it is a decision as a withheld read is.
            AuditWithheldRequest(connector, caller, request.Params, method, withheld.Error, correlationId);
            throw RelayErrors.From(withheld.Error, correlationId);
        }
        catch (DefinitionWithheldException withheld)
        {
            throw Refuse(connector, method, withheld.Error, correlationId, Pipeline.CallStage.Authorize, audit, upstreamReached: false);
        }
        catch (ResourceMissingException)
        {
            audit?.Ended(CallStage.Forward, new GatewayError(ErrorCatalog.NotFound, "The upstream has no such resource."), upstreamReached: true);
            throw ResourceNotFound(request.Server, request.Params switch { ReadResourceRequestParams read => read.Uri, SubscribeRequestParams subscribe => subscribe.Uri, _ => null });
        }
        catch (McpProtocolException ex)
        {
            // The upstream's code passes through; its message may name internals, so the gateway writes its own.
            Log.RelayUpstreamRefused(logger, connector.Name, method, (int)ex.ErrorCode);
            audit?.Ended(CallStage.Forward, new GatewayError(ErrorCatalog.UpstreamError, SafeMessage(ex.ErrorCode)), upstreamReached: true, $"JSON-RPC error {(int)ex.ErrorCode}");
            throw new McpProtocolException(SafeMessage(ex.ErrorCode), ex.ErrorCode);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client cancelled: no answer (MCP: the receiver of a cancellation does not respond).
            audit?.Ended(CallStage.Forward, null, upstreamReached: true, "the caller cancelled the request or went away");
            throw;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw Refuse(connector, method, new GatewayError(ErrorCatalog.UpstreamTimeout,
                $"The upstream did not answer within {timeout.TotalSeconds:0} seconds; the request was cancelled."), correlationId, CallStage.Forward, audit, upstreamReached: true);
        }
        catch (OperationCanceledException) when (drain.Deadline.IsCancellationRequested)
        {
            throw Refuse(connector, method, GatewayError.ShuttingDown(), correlationId, CallStage.Forward, audit, upstreamReached: true);
        }
        catch (Exception ex) when (ExceptionChain.Find<Upstreams.UpstreamAnswerTooLargeException>(ex) is { } tooLarge)
        {
            Log.RelayAnswerTooLarge(logger, correlationId, connector.Name, method, tooLarge.Limit);
            throw Refuse(connector, method, GatewayError.AnswerTooLarge(tooLarge.Limit, write: false), correlationId, CallStage.Forward, audit, upstreamReached: true);
        }
        catch (Exception ex) when (ExceptionChain.Find<Upstreams.Http.UpstreamRetryAfterException>(ex) is { } upstreamWait)
        {
            // These requests only read: the upstream's own delay is the one to wait, for a 429 (not acted on) and a 503.
            var limited = upstreamWait.StatusCode == System.Net.HttpStatusCode.TooManyRequests;
            throw Refuse(connector, method, limited ? GatewayError.UpstreamRateLimited(upstreamWait.RetryAfter) : GatewayError.UpstreamBusy(upstreamWait.RetryAfter),
                correlationId, CallStage.Forward, audit, upstreamReached: !limited);
        }
        catch (Exception ex) when (ExceptionChain.Find<Upstreams.Credentials.UpstreamCredentialsRefusedException>(ex) is { } refused)
        {
            var status = (int)(refused.StatusCode ?? System.Net.HttpStatusCode.Unauthorized);
            Log.UpstreamRefusedCredentials(logger, correlationId, connector.Name, status);
            throw Refuse(connector, method, GatewayError.UpstreamRefusedCredentials(status), correlationId, CallStage.Forward, audit, upstreamReached: false);
        }
        catch (Exception ex)
        {
            Log.RelayForwardFailed(logger, connector.Name, method, ex);
            throw Refuse(connector, method, Unavailable(connector), correlationId, CallStage.Forward, audit, upstreamReached: true);
        }
    }

    /// <summary>A refusal as a JSON-RPC error with the envelope; recorded once, by the audit of the request or by a log line.</summary>
    private McpProtocolException Refuse(Connector connector, string method, GatewayError error, string correlationId, string stage, AuditedRequest? audit, bool upstreamReached)
    {
        if (audit is null)
        {
            Log.RelayRefused(logger, correlationId, connector.Name, method, error.Code.Code, error.Message);
        }
        else
        {
            audit.Ended(stage, error, upstreamReached);
        }

        return RelayErrors.From(error, correlationId);
    }

    /// <summary>Records a request without an audit of its own refused because pins withhold what it names, as a read's refusal is recorded.</summary>
    private void AuditWithheldRequest(Connector connector, CallerIdentity caller, RequestParams? parameters, string method, GatewayError error, string correlationId)
    {
        var (kind, resource, prompt) = parameters switch
        {
            SubscribeRequestParams subscribe => (Audit.AuditKinds.ResourceSubscribe, subscribe.Uri, null),
            CompleteRequestParams { Ref: PromptReference reference } => (Audit.AuditKinds.Completion, null, reference.Name),
            CompleteRequestParams { Ref: ResourceTemplateReference reference } => (Audit.AuditKinds.Completion, reference.Uri, (string?)null),
            _ => (Audit.AuditKinds.Completion, null, null),
        };
        recorder.Request(recorder.Event(kind, Audit.AuditDecisions.Refused, correlationId) with
        {
            Connector = connector.Name,
            Principal = caller.Subject,
            ClientId = caller.ClientId,
            Resource = Audit.DecisionRecorder.Truncate(resource),
            Prompt = Audit.DecisionRecorder.Truncate(prompt),
            Stage = CallStage.Authorize,
            Code = error.Code.Code,
            UpstreamReached = false,
            Detail = error.Message,
        }, method, span: null);
    }

    private GatewayError Unavailable(Connector connector) =>
        new(ErrorCatalog.UpstreamUnavailable, "The upstream server is not reachable right now; retry shortly.")
        {
            RetryAfterSeconds = connector.Status.NextAttemptAt is { } next ? GatewayError.WholeSeconds(next - time.GetUtcNow()) : 1,
        };

    private static string SafeMessage(McpErrorCode code) => code switch
    {
        McpErrorCode.ResourceNotFound => "Resource not found.",
        McpErrorCode.InvalidParams => "Invalid parameters.",
        McpErrorCode.MethodNotFound => "The upstream server does not offer this method.",
        _ => "The upstream server rejected the request.",
    };
}
