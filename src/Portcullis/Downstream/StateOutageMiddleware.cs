using Portcullis.Core.Diagnostics;
using Portcullis.Core.Pipeline;
using Portcullis.Core.State;
using Portcullis.Refusals;

namespace Portcullis.Downstream;

/// <summary>
/// A state store outage that stops an MCP request before a handler could answer it: a 2025-11-25 session continued on
/// a replica that must read its handshake from the store, a multi round-trip retry whose holder must be looked up, a
/// session's end that must be forgotten there. The answer is the catalog's retryable <c>state_unavailable</c> (the
/// session is not lost, and works again once the store answers): a <c>tools/call</c> gets it as a tool result, as every
/// refused call; another request as a JSON-RPC error; anything else (a notification, a client's response to a question
/// of the server, the event stream, a DELETE) as HTTP 503, so the client's send fails. Each carries <c>Retry-After</c>
/// and is audited; the outage is logged as the gateway's calls log it, at most once per interval.
/// </summary>
internal sealed class StateOutageMiddleware(RequestDelegate next, StateOutages outages, HttpRefusals refusals)
{
    /// <summary>Only a request of a session, or a multi round-trip retry, reads the store before its handler; others pass as they are.</summary>
    public Task InvokeAsync(HttpContext context) =>
        context.Request.Headers.ContainsKey("Mcp-Session-Id") || context.Features.Get<JsonRpcRequestFeature>()?.RequestState is not null
            ? GuardedAsync(context)
            : next(context);

    private async Task GuardedAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested && outages.IsOutage(ex))
        {
            var correlationId = CorrelationIds.Next();
            var error = outages.Refuse(ex, correlationId);
            var request = context.Features.Get<JsonRpcRequestFeature>();
            var awaited = HttpMethods.IsPost(context.Request.Method) && request is { Method: not null, Id: not null };
            context.Response.Clear();
            await refusals.WriteAsync(context, new HttpRefusal(
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
}
