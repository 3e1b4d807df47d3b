namespace Portcullis.Downstream;

/// <summary>When a client ends its session (HTTP DELETE), its handshake leaves the state store too, whichever replica the DELETE reached.</summary>
internal sealed class SessionEndMiddleware(RequestDelegate next, SessionMigration sessions)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        if (HttpMethods.IsDelete(context.Request.Method)
            && context.Response.StatusCode is >= 200 and < 300
            && context.Request.Headers["Mcp-Session-Id"].ToString() is { Length: > 0 } sessionId)
        {
            await sessions.EndAsync(context, sessionId, context.RequestAborted);
        }
    }
}
