using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;
using Portcullis.Refusals;

namespace Portcullis.Downstream;

/// <summary>Answers a session id opened on another connector exactly as a session that does not exist (404).</summary>
/// <remarks>
/// The body is the MCP layer's own for an unknown session, without the envelope, so the two cannot be told apart;
/// the log line and the correlation id header still come from the refusal helper.
/// </remarks>
internal sealed class SessionOwnerMiddleware(RequestDelegate next, SessionOwners owners, HttpRefusals refusals)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetRouteValue("server") is string server
            && context.Request.Headers["Mcp-Session-Id"].ToString() is { Length: > 0 } sessionId
            && !owners.MayUse(sessionId, server))
        {
            return refusals.WriteAsync(context, new HttpRefusal(
                StatusCodes.Status404NotFound,
                new GatewayError(ErrorCatalog.NotFound, "Session not found"),
                CallStage.Route,
                "session_of_another_connector",
                "the session belongs to another connector")
            {
                Body = RefusalBody.JsonRpc,
                RpcCode = JsonRpcCodes.SessionNotFound,
                Envelope = false,
            });
        }

        return next(context);
    }
}
