namespace Portcullis.Downstream;

/// <summary>Answers a session id opened on another connector exactly as a session that does not exist (404).</summary>
internal sealed class SessionOwnerMiddleware(RequestDelegate next, SessionOwners owners)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetRouteValue("server") is string server
            && context.Request.Headers["Mcp-Session-Id"].ToString() is { Length: > 0 } sessionId
            && !owners.MayUse(sessionId, server))
        {
            context.Features.Set(new Security.HttpRefusal(Core.Pipeline.CallStage.Route, Core.Errors.ErrorCatalog.NotFound.Code, "session_of_another_connector"));
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync("""{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}""", context.RequestAborted);
        }

        return next(context);
    }
}
