using Portcullis.Diagnostics;

namespace Portcullis.Downstream;

/// <summary>
/// A POST whose session ends while it waits for its answer (the client deleted the session, or it was closed): the MCP
/// layer cancels the call and the POST's wait with it, and that cancellation would reach the host as an unhandled
/// exception, logged at error level for what is an ordinary end. The POST ends without an answer instead, as it would
/// have had the session been deleted a moment earlier.
/// </summary>
internal sealed class SessionGoneMiddleware(RequestDelegate next, ILogger<SessionGoneMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || context.Request.Headers["Mcp-Session-Id"].ToString() is not { Length: > 0 } sessionId)
        {
            await next(context);
            return;
        }

        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            GatewayLog.SessionEndedMidRequest(logger, Core.Diagnostics.LogText.Safe(sessionId), context.Response.HasStarted);
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
            }
        }
    }
}
