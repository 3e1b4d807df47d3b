using Portcullis.Core.Connectors;
using Portcullis.Core.Relay;
using Portcullis.Core.Security;

namespace Portcullis.Downstream;

/// <summary>
/// A 2025-11-25 session's event stream (its GET) opening on this process. It records this replica as the stream's holder,
/// where the session's subscriptions are sent (<see cref="SessionQuestionRoutes"/>), and holds again the subscriptions the
/// client made where its stream was before: another replica, or this gateway before a restart
/// (<see cref="Passthrough.RestoreSubscriptionsAsync"/>).
/// </summary>
/// <remarks>
/// Only once the MCP layer opens the stream: for a session it knows, to its owner (<see cref="SessionOwnerMiddleware"/> came
/// first); one unknown or ended gets no stream, no record and nothing held. Neither is waited for: the stream's first
/// bytes, and the session's messages behind them, do not wait for the store.
/// </remarks>
internal sealed class SessionStreamMiddleware(RequestDelegate next, SessionQuestionRoutes questions, Passthrough passthrough, ConnectorRegistry connectors)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (HttpMethods.IsGet(context.Request.Method) && context.GetRouteValue("server") is string server && connectors.TryGet(server, out var connector)
            && context.Request.Headers["Mcp-Session-Id"].ToString() is { Length: > 0 } sessionId)
        {
            context.Response.OnStarting(() =>
            {
                if (context.Response.StatusCode == StatusCodes.Status200OK
                    && context.Response.ContentType?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true)
                {
                    _ = questions.RecordStreamAsync(sessionId, CancellationToken.None).AsTask();
                    // Off this thread: a store answering in-line (SQLite) would otherwise hold up the stream's first bytes.
                    var caller = CallerIdentities.From(context.User);
                    _ = Task.Run(() => passthrough.RestoreSubscriptionsAsync(connector, caller, sessionId, CancellationToken.None));
                }

                return Task.CompletedTask;
            });
        }

        return next(context);
    }
}
