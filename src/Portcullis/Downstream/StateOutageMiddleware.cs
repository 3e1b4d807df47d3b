using System.Diagnostics;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Pipeline;
using Portcullis.Core.State;
using Portcullis.Diagnostics;
using Portcullis.Refusals;

namespace Portcullis.Downstream;

/// <summary>
/// A state store outage that stops an MCP request before a handler could answer it: a 2025-11-25 session continued on
/// a replica that must read its handshake from the store, a multi round-trip retry whose holder must be looked up, a
/// session's end that must be recorded there. The answer is the catalog's retryable <c>state_unavailable</c> (the
/// session is not lost, and works again once the store answers): a <c>tools/call</c> gets it as a tool result, as every
/// refused call; another request as a JSON-RPC error; anything else (a notification, a client's response to a question
/// of the server, the event stream, a DELETE) as HTTP 503, so the client's send fails. Each carries <c>Retry-After</c>
/// and is audited; the outage is logged as the gateway's calls log it, at most once per interval.
/// </summary>
/// <remarks>
/// Also the way back from an outage: when a session's migration failed, the MCP SDK (2.4.0) lets two of the requests
/// that waited for it migrate the session at once, and the one that comes second fails with "has already been
/// created". That request is sent through once more, to the session the other one made. The duplicate session
/// the SDK dropped is never disposed (its run never ends), so the slot it took of its principal's
/// <c>limits.max_sessions_per_principal</c> is freed here.
/// </remarks>
internal sealed class StateOutageMiddleware(RequestDelegate next, StateOutages outages, HttpRefusals refusals, SessionOwners owners, ILogger<StateOutageMiddleware> logger)
{
    /// <summary>Only a request of a session, or a multi round-trip retry, reads the store before its handler; others pass as they are.</summary>
    public Task InvokeAsync(HttpContext context) =>
        context.Request.Headers.ContainsKey("Mcp-Session-Id") || context.Features.Get<JsonRpcRequestFeature>()?.RequestState is not null
            ? GuardedAsync(context)
            : next(context);

    private async Task GuardedAsync(HttpContext context)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await next(context);
                return;
            }
            catch (UnreachableException ex) when (attempt == 0 && !context.Response.HasStarted && IsMigrationRace(context, ex))
            {
                var sessionId = context.Request.Headers["Mcp-Session-Id"].ToString();
                GatewayLog.SessionMigrationRace(logger, LogText.Safe(sessionId, 64));
                if (context.Features.Get<SessionSlot>() is { Owner: { } duplicate })
                {
                    // The duplicate the SDK made and dropped never stops running: its principal's slot is freed here.
                    owners.Remove(sessionId, duplicate);
                }

                context.Features.Set<SessionSlot>(null);
                if (context.Request.Body.CanSeek)
                {
                    context.Request.Body.Position = 0;
                }

                context.Response.Clear();
            }
            catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested && outages.IsOutage(ex))
            {
                await RefuseAsync(context, ex);
                return;
            }
        }
    }

    /// <summary>The SDK's duplicate-session failure, on a request that can be sent through again (its body, if any, was kept).</summary>
    private static bool IsMigrationRace(HttpContext context, UnreachableException exception) =>
        exception.Message.Contains("has already been created", StringComparison.Ordinal)
        && (context.Request.Body.CanSeek || !HttpMethods.IsPost(context.Request.Method));

    private Task RefuseAsync(HttpContext context, Exception ex)
    {
        var correlationId = CorrelationIds.Next();
        var error = outages.Refuse(ex, correlationId);
        var request = context.Features.Get<JsonRpcRequestFeature>();
        var awaited = HttpMethods.IsPost(context.Request.Method) && request is { Method: not null, Id: not null };
        context.Response.Clear();
        return refusals.WriteAsync(context, new HttpRefusal(
            awaited ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, error, CallStage.Route, "state_unavailable", LogText.Safe(ex.Message))
        {
            Body = awaited && request!.Method == "tools/call" ? RefusalBody.ToolResult : RefusalBody.JsonRpc,
            RpcCode = JsonRpcCodes.GatewayRefusal,
            RpcId = awaited ? System.Text.Json.Nodes.JsonNode.Parse(request!.Id!) : null,
            Tool = request?.ToolName,
            CorrelationId = correlationId,
            Logged = true,
        });
    }
}
