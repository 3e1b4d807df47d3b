using System.Text.Json.Nodes;
using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Security;
using Portcullis.Refusals;

namespace Portcullis.Downstream;

/// <summary>
/// Answers a session id opened on another connector, or by another principal, exactly as a session that does not
/// exist (<see cref="UnknownSession"/>). Runs after authentication, so the principal is the token's, and after the
/// frame is read, so the answer carries the request's id as the MCP layer's would.
/// </summary>
internal sealed class SessionOwnerMiddleware(RequestDelegate next, SessionOwners owners, HttpRefusals refusals)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetRouteValue("server") is string server
            && context.Request.Headers["Mcp-Session-Id"].ToString() is { Length: > 0 } sessionId
            && owners.Refusal(sessionId, server, CallerIdentities.From(context.User).Key) is { } reason)
        {
            return refusals.WriteAsync(context, new HttpRefusal(
                HttpMethods.IsDelete(context.Request.Method) ? StatusCodes.Status200OK : StatusCodes.Status404NotFound,
                new GatewayError(ErrorCatalog.NotFound, "Session not found"),
                CallStage.Route,
                "session_not_yours",
                reason)
            {
                Body = RefusalBody.UnknownSession,
                RpcId = context.Features.Get<JsonRpcRequestFeature>()?.Id is { } id ? JsonNode.Parse(id) : null,
            });
        }

        return next(context);
    }
}
