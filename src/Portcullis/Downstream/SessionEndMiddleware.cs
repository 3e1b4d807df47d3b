namespace Portcullis.Downstream;

/// <summary>
/// When a client ends its session (HTTP DELETE), its handshake is marked ended in the state store first, whichever
/// replica the DELETE reached, and only then does the MCP layer close it here: a store that does not answer fails the
/// DELETE (503, <see cref="StateOutageMiddleware"/>) before anything was closed, so the client's retry finds it as it
/// was, and no request between the two can continue the session on this replica from its stored handshake.
/// </summary>
internal sealed class SessionEndMiddleware(RequestDelegate next, SessionMigration sessions)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (HttpMethods.IsDelete(context.Request.Method) && context.Request.Headers["Mcp-Session-Id"].ToString() is { Length: > 0 } sessionId)
        {
            await sessions.EndAsync(context, sessionId, context.RequestAborted);
        }

        await next(context);
    }
}
