using Portcullis.Core.Configuration;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Audit;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Security;
using Portcullis.Diagnostics;
using Portcullis.Security;

namespace Portcullis.Refusals;

/// <summary>
/// Every refusal the gateway answers at the HTTP level goes through here: a catalog error with a fresh correlation
/// id, sent in the body (when the gateway writes it) and the <c>Portcullis-Correlation-Id</c> header, counted in
/// <c>portcullis.http.refusals</c>, written in one log line and recorded as one <c>http_refusal</c> audit event, as
/// <see cref="RefusalPace"/> paces them per source (malformed frames: counted, and logged at most once a minute
/// with their count and the latest).
/// </summary>
internal sealed class HttpRefusals(IProblemDetailsService problems, RefusalCounter counter, DecisionRecorder recorder, RefusalPace pace, ConnectorRegistry connectors,
    GatewayConfig config, TimeProvider time, ILogger<HttpRefusals> logger) : IDisposable
{
    public const string CorrelationHeader = "Portcullis-Correlation-Id";

    /// <summary>Malformed requests come by the million from scanners: their log line (event 2602) comes at most this often.</summary>
    public static readonly TimeSpan JunkReportInterval = TimeSpan.FromSeconds(60);

    private readonly PacedReport<JunkRefusal> _junk = new(JunkReportInterval, time, (count, latest) => ReportJunk(logger, counter, count, latest));

    private static readonly JsonTypeInfo<CallToolResult> ResultType =
        (JsonTypeInfo<CallToolResult>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(CallToolResult));

    /// <summary>
    /// Counts a JSON-RPC error the MCP layer answered itself (an unknown method, params it cannot read): a malformed
    /// frame too, counted and logged at most once per interval. The SDK's own warnings for these are filtered out.
    /// </summary>
    public void CountProtocolRefusal(string connector, int rpcCode)
    {
        counter.Count(CallStage.Frame, ErrorCatalog.InvalidRequest.Code);
        _junk.Add(new JunkRefusal(ErrorCatalog.InvalidRequest.Code, "JSON-RPC", "/mcp/" + connector, $"the MCP layer answered error {rpcCode}", CorrelationIds.Next()));
    }

    /// <summary>
    /// Counts a request the MCP layer's transport refused before it built a server for it (HTTP 400, or 404 for a method
    /// its revision removed): a malformed frame too, counted and logged at most once per interval; its answer, sent
    /// already, is the layer's own JSON-RPC error.
    /// </summary>
    public void CountTransportRefusal(HttpContext context, int status)
    {
        context.Features.Set(RefusalRecorded.Instance);
        counter.Count(CallStage.Frame, ErrorCatalog.InvalidRequest.Code);
        _junk.Add(new JunkRefusal(ErrorCatalog.InvalidRequest.Code, LoggedMethod(context), LoggedPath(context),
            $"the MCP layer's transport answered HTTP {status} (its protocol version header, or a header or _meta member its revision requires, is missing, unsupported or not the body's, or a method it removed)",
            CorrelationIds.Next()));
    }

    /// <summary>At stop: logs the malformed requests not reported yet, due or not, and any later one at once, so that none goes unreported.</summary>
    public void StopReports() => _junk.Stop();

    public void Dispose() => _junk.Dispose();

    /// <summary>
    /// A bearer token refused for a connector: the 401 challenge itself comes from the authentication handler (and is
    /// completed by <see cref="ChallengedAsync"/>); the correlation id of the log line goes in the response header.
    /// </summary>
    public void TokenRefused(HttpContext context, string connector, string reasonClass, string reason, int? retryAfterSeconds = null)
    {
        context.Features.Set(new TokenRefusal(reasonClass, retryAfterSeconds));
        var correlationId = Correlate(context);
        var code = reasonClass == TokenRefusalReasons.KeysUnavailable ? ErrorCatalog.IdentityUnavailable : ErrorCatalog.Unauthenticated;
        if (!Record(context, correlationId, CallStage.Authenticate, code.Code, reasonClass, null, reason))
        {
            return;
        }

        // A token that could not be checked is answered 503 (ChallengedAsync), not refused: the line says so.
        if (reasonClass == TokenRefusalReasons.KeysUnavailable)
        {
            GatewayLog.TokenUnchecked(logger, LogText.Safe(connector), reason, correlationId);
        }
        else
        {
            GatewayLog.TokenRefused(logger, LogText.Safe(connector), reason, correlationId);
        }
    }

    /// <summary>
    /// A 401 the authentication handler answered without any token check having run (no bearer token at all, or
    /// another scheme): the first step of every OAuth client's discovery, so logged at information level.
    /// </summary>
    public void TokenMissing(HttpContext context)
    {
        if (context.Features.Get<RefusalRecorded>() is not null)
        {
            return;
        }

        var correlationId = Correlate(context);
        var reasonClass = context.Request.Headers.Authorization.Count == 0 ? TokenRefusalReasons.Missing : TokenRefusalReasons.NotBearer;
        if (Record(context, correlationId, CallStage.Authenticate, ErrorCatalog.Unauthenticated.Code, reasonClass, null, TokenRefusalReasons.Describe(reasonClass)))
        {
            GatewayLog.TokenMissing(logger, LogText.Safe(context.GetRouteValue("server") as string ?? "-"), reasonClass, correlationId);
        }
    }

    /// <summary>
    /// Logs and audits a session id the caller may not use; the caller's answer is the MCP layer's for an unknown
    /// session, so nothing here is sent (no correlation header either: the answers must not differ).
    /// </summary>
    public void SessionRefused(HttpContext context, string sessionId, Downstream.SessionRefusal refusal)
    {
        var correlationId = CorrelationIds.Next();
        if (Record(context, correlationId, CallStage.Route, ErrorCatalog.NotFound.Code, refusal.Class, null, refusal.Reason))
        {
            GatewayLog.SessionRefused(logger, LogText.Safe(sessionId, 64), LoggedMethod(context), LoggedPath(context), refusal.Reason, correlationId);
        }
    }

    /// <summary>
    /// Counts and audits a session not continued here because its principal holds as many as it may; the caller's
    /// answer is the MCP layer's for an unknown session, so nothing here is sent.
    /// </summary>
    public void SessionLimitReached(HttpContext context, string correlationId, string reasonClass, string reason) =>
        _ = Record(context, correlationId, CallStage.Limits, ErrorCatalog.RateLimited.Code, reasonClass, null, reason);

    /// <summary>
    /// Counts, audits and logs a refusal whose answer its caller writes in a form of its own (the development identity's
    /// OAuth errors, which clients show as they come), as <see cref="WriteAsync"/> would; its correlation id goes in the
    /// response header only.
    /// </summary>
    public void Recorded(HttpContext context, HttpRefusal refusal)
    {
        var correlationId = Correlate(context, refusal.CorrelationId);
        var code = refusal.Error.Code.Code;
        if (Record(context, correlationId, refusal.Stage, code, refusal.Class, refusal.Tool, refusal.Reason))
        {
            GatewayLog.HttpRefused(logger, LoggedMethod(context), LoggedPath(context), refusal.Status, code, refusal.Reason, correlationId);
        }
    }

    public async Task WriteAsync(HttpContext context, HttpRefusal refusal)
    {
        var correlationId = Correlate(context, refusal.CorrelationId);
        var code = refusal.Error.Code.Code;
        if (refusal.Junk)
        {
            context.Features.Set(RefusalRecorded.Instance);
            counter.Count(refusal.Stage, code);
            _junk.Add(new JunkRefusal(code, LoggedMethod(context), LoggedPath(context), refusal.Reason, correlationId));
        }
        else if (Record(context, correlationId, refusal.Stage, code, refusal.Class, refusal.Tool, refusal.Reason) && !refusal.Logged)
        {
            GatewayLog.HttpRefused(logger, LoggedMethod(context), LoggedPath(context), refusal.Status, code, refusal.Reason, correlationId);
        }

        var response = context.Response;
        response.StatusCode = refusal.Status;
        if (refusal.Challenge is { } challenge)
        {
            response.Headers.WWWAuthenticate = challenge;
        }

        if (refusal.Error.RetryAfterSeconds is { } retryAfter)
        {
            response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        }

        if (refusal.Body == RefusalBody.ToolResult)
        {
            response.ContentType = "application/json";
            await response.WriteAsync(ToolResultMessage(refusal.RpcId, refusal.Error, correlationId), context.RequestAborted);
            return;
        }

        var envelope = ErrorEnvelope.ToJson(refusal.Error, correlationId);
        if (refusal.Body == RefusalBody.JsonRpc)
        {
            var error = new JsonObject { ["code"] = refusal.RpcCode, ["message"] = refusal.Error.Message, ["data"] = refusal.RpcData?.DeepClone() ?? envelope };
            response.ContentType = "application/json";
            var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = refusal.RpcId?.DeepClone(), ["error"] = error };
            await response.WriteAsync(body.ToJsonString(), context.RequestAborted);
            return;
        }

        await WriteProblemAsync(context, refusal.Status, refusal.Error, envelope);
    }

    /// <summary>
    /// The 401 challenge of the authentication handler on a connector endpoint, before it is sent: recorded like every
    /// refusal (unless a token check already did), its <c>WWW-Authenticate</c> given RFC 6750's <c>invalid_token</c>
    /// and the reason in words when a token was sent and refused, and its body the error envelope, so a person with
    /// curl or a client's log sees why without the gateway's log.
    /// </summary>
    public Task ChallengedAsync(HttpContext context)
    {
        TokenMissing(context);
        var refused = context.Features.Get<TokenRefusal>();
        var reasonClass = refused?.Class
            ?? (context.Request.Headers.Authorization.Count == 0 ? TokenRefusalReasons.Missing : TokenRefusalReasons.NotBearer);
        var description = TokenRefusalReasons.Describe(reasonClass);
        var headers = context.Response.Headers;
        if (reasonClass == TokenRefusalReasons.KeysUnavailable)
        {
            // Nothing is wrong with the token: a challenge (invalid_token) would make the client drop it and sign in
            // again, to be refused the same way until the provider answers.
            var seconds = refused?.RetryAfterSeconds ?? TokenRefusalReasons.KeysUnavailableRetrySeconds;
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            headers.Remove("WWW-Authenticate");
            headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            var unavailable = new GatewayError(ErrorCatalog.IdentityUnavailable, $"The bearer token could not be checked: {description}.")
            {
                RetryAfterSeconds = seconds,
            };
            return WriteProblemAsync(context, StatusCodes.Status503ServiceUnavailable, unavailable, ErrorEnvelope.ToJson(unavailable, headers[CorrelationHeader].ToString()));
        }

        if (context.GetRouteValue("server") is string server && headers.WWWAuthenticate.ToString().StartsWith("Bearer ", StringComparison.Ordinal))
        {
            // The metadata's address as public_url gives it: the handler's own is built from the request's host and scheme,
            // which behind a proxy are the proxy's view of the gateway (http, an inner host), not the client's.
            var metadata = $"resource_metadata=\"{ResourceUris.MetadataFor(config, server)}\"";
            headers.WWWAuthenticate = refused is null
                ? $"Bearer {metadata}"
                : $"Bearer error=\"invalid_token\", error_description=\"{description}\", {metadata}";
        }

        // The development identity issues no tokens over OAuth: its callers are told how to mint one instead.
        var advice = config.Identity.Dev ? " " + DevIdentityAdvice.HowToGetAToken(config, context.GetRouteValue("server") as string) : "";
        var error = new GatewayError(ErrorCatalog.Unauthenticated, refused is null
            ? (config.Identity.Dev ? "This connector needs a bearer token." : "This connector needs a bearer token from the authorization server its resource metadata names (see WWW-Authenticate).") + advice
            : $"The bearer token was refused: {description}.{advice}");
        return WriteProblemAsync(context, StatusCodes.Status401Unauthorized, error, ErrorEnvelope.ToJson(error, headers[CorrelationHeader].ToString()));
    }

    private async Task WriteProblemAsync(HttpContext context, int status, GatewayError error, JsonObject envelope)
    {
        var details = new ProblemDetails
        {
            Status = status,
            Title = ReasonPhrases.GetReasonPhrase(status),
            Detail = error.Message,
        };
        details.Extensions["error"] = envelope["error"];
        if (!await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details }))
        {
            // The writers choose by Accept: a request that takes no JSON (the GET event stream asks for
            // text/event-stream only) still gets the problem document, never an empty 500 in its place.
            await Results.Problem(details).ExecuteAsync(context);
        }
    }

    /// <summary>The JSON-RPC answer to a <c>tools/call</c> that is refused: a tool result with <c>isError</c> and the envelope.</summary>
    private static string ToolResultMessage(JsonNode? id, GatewayError error, string correlationId) =>
        new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = id?.DeepClone(),
            ["result"] = JsonSerializer.SerializeToNode(ErrorEnvelope.ToResult(error, correlationId), ResultType),
        }.ToJsonString();

    private static string Correlate(HttpContext context, string? given = null)
    {
        var correlationId = given ?? CorrelationIds.Next();
        context.Response.Headers[CorrelationHeader] = correlationId;
        return correlationId;
    }

    /// <summary>
    /// Counts the refusal and marks the request so nothing records it twice; records its audit event when its source's
    /// pace admits it, and answers whether it did: only then does its caller write its log line. <paramref name="reason"/>
    /// is the refusal in words, as a summary of those held back names the latest's.
    /// </summary>
    private bool Record(HttpContext context, string correlationId, string stage, string code, string reasonClass, string? tool, string reason)
    {
        context.Features.Set(RefusalRecorded.Instance);
        counter.Count(stage, code);
        var authenticated = context.User.Identity?.IsAuthenticated == true;
        var caller = CallerIdentities.From(context.User);
        var server = context.GetRouteValue("server") as string;
        var e = recorder.Event(AuditKinds.HttpRefusal, AuditDecisions.Refused, correlationId) with
        {
            Connector = server is not null && connectors.TryGet(server, out var connector) ? connector.Name : null,
            Principal = authenticated ? caller.Subject : null,
            ClientId = authenticated ? caller.ClientId : null,
            Tool = DecisionRecorder.Truncate(tool),
            Resource = DecisionRecorder.Truncate(context.Request.Path.Value),
            Stage = stage,
            Code = code,
            Detail = reasonClass,
            RemoteAddress = context.Connection.RemoteIpAddress?.ToString(),
        };
        return pace.Record(e, LoggedMethod(context), LoggedPath(context), reason);
    }

    /// <summary>The request's method as the log shows it: escaped, and cut (Kestrel takes any token as a method).</summary>
    public static string LoggedMethod(HttpContext context) => LogText.Safe(context.Request.Method, 16);

    /// <summary>The request's path as the log shows it: escaped, and cut as the audit trail cuts it (a client chooses it, up to Kestrel's 8 KiB).</summary>
    public static string LoggedPath(HttpContext context) => LogText.Safe(context.Request.Path.ToString(), DecisionRecorder.MaxNameLength);

    /// <summary>Logs the malformed requests refused since the last report (event 2602), naming the latest.</summary>
    private static void ReportJunk(ILogger logger, RefusalCounter counter, long count, JunkRefusal latest) =>
        GatewayLog.JunkRefused(logger, count, counter.Total, (int)JunkReportInterval.TotalSeconds, latest.Code, latest.Method, latest.Path, latest.Reason, latest.CorrelationId);
}
