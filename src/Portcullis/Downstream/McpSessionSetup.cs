using System.Security.Claims;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portcullis.Core.Connectors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Relay;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Security;
using Portcullis.Core.Tools;
using Portcullis.Refusals;
using Portcullis.Security;

namespace Portcullis.Downstream;

/// <summary>Gives each MCP session the handlers of the connector its URL names.</summary>
internal sealed class McpSessionSetup(ConnectorRegistry connectors, ToolCallPipeline pipeline, ToolListing listing, ProtocolHandlers protocol, MrtrBridge mrtr, SessionOwners owners, HttpRefusals refusals, SessionQuestionRoutes questions)
{
    // Read once: with 2026-07-28 clients the SDK configures a fresh server for every request.
    private static readonly string Version = typeof(McpSessionSetup).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public Task ConfigureAsync(HttpContext http, McpServerOptions options, CancellationToken cancellationToken)
    {
        var name = http.GetRouteValue("server") as string;
        if (name is null || !connectors.TryGet(name, out var connector))
        {
            throw new InvalidOperationException("MCP session without a known connector; the 404 middleware should have answered.");
        }

        http.Features.Set(TakenPastTheTransport.Instance);
        options.ServerInfo = new Implementation { Name = connector.Name, Version = Version };
        options.Handlers.ListToolsHandler = (request, ct) => request.Params?.Cursor is { Length: > 0 }
            // Every tool comes in one page, with no cursor to come back with: any cursor is one the gateway never gave.
            ? throw new McpProtocolException("Invalid cursor: the gateway lists every tool in one page and never gives a cursor.", McpErrorCode.InvalidParams)
            : listing.ListAsync(connector, Caller(request.User), ct);
        options.Handlers.CallToolHandler = (request, ct) =>
        {
            var caller = Caller(request.User);
            ValueTask<CallToolResult> Run(CancellationToken token)
            {
                var context = new ToolCallContext(connector, caller, request.Params?.Name ?? "", request.Params?.Arguments, CorrelationIds.Next())
                {
                    Downstream = request.Server,
                    ProgressToken = request.Params?.ProgressToken,
                    Logging = CallLogging.Of(request.Server, request.JsonRpcRequest),
                    TraceParent = TraceParents.FromCaller(request.Params?.Meta),
                    // Only a session's call lives and dies with its POST; a 2026-07-28 call may outlive it (see MrtrBridge).
                    CallerGone = request.Server.SessionId is null ? CancellationToken.None : CallerConnection.AbortedFor(request.JsonRpcRequest.Id),
                };
                return pipeline.InvokeAsync(context, token);
            }

            // A client without a session (2026-07-28) is asked the upstream's questions through multi
            // round-trip requests; see docs/protocol.md.
            return request.Server.SessionId is null
                ? mrtr.InvokeAsync($"{connector.Name}\u001f{caller.Key}\u001f{request.Params?.Name}", request.Params, Run, ct)
                : Run(ct);
        };
        protocol.Configure(connector, options, RequestParamsCheck.WithoutSessions(http.Request));
        options.Filters.Message.OutgoingFilters.Add(next => (context, ct) =>
        {
            if (context.JsonRpcMessage is JsonRpcError { Error.Code: JsonRpcCodes.MethodNotFound or JsonRpcCodes.InvalidParams or JsonRpcCodes.InvalidRequest } error
                && error.Error.Data is null)
            {
                refusals.CountProtocolRefusal(connector.Name, error.Error.Code);
            }

            return next(context, ct);
        });
        if (questions.Enabled)
        {
            // A session's client answers a question with a POST of its own, which may reach another replica: it is sent
            // here, so the route must be recorded before the question goes out, under the id it goes out with.
            options.Filters.Message.OutgoingFilters.Add(next => async (context, ct) =>
            {
                if (context.Server.SessionId is { } sessionId)
                {
                    context.JsonRpcMessage = questions.Outgoing(context.JsonRpcMessage);
                    if (context.JsonRpcMessage is JsonRpcRequest question)
                    {
                        await questions.RecordAsync(sessionId, question.Id, ct);
                    }
                }

                await next(context, ct);
            });
            options.Filters.Message.IncomingFilters.Add(next => (context, ct) =>
            {
                if (context.Server.SessionId is { } sessionId)
                {
                    context.JsonRpcMessage = questions.Incoming(sessionId, context.JsonRpcMessage);
                }

                return next(context, ct);
            });
        }

        return Task.CompletedTask;
    }

    /// <summary>Runs one stateful session, tracked by its connector's relay.</summary>
    public async Task RunSessionAsync(HttpContext http, McpServer session, CancellationToken cancellationToken)
    {
        var name = http.GetRouteValue("server") as string;
        if (name is null || !connectors.TryGet(name, out var connector))
        {
            await session.RunAsync(cancellationToken);
            return;
        }

        // Counted for its principal from here until it stops running, however it ends (DELETE, idle timeout, shutdown):
        // it takes the slot the request that opened it reserved, if any (SessionCapMiddleware, SessionMigration).
        var owner = session.SessionId is { } id ? owners.Add(id, connector.Name, Caller(http.User).Key, http.Features.Get<SessionSlot>()) : null;
        try
        {
            await ProtocolHandlers.RunSessionAsync(connector, session, cancellationToken);
        }
        finally
        {
            if (owner is not null)
            {
                owners.Remove(session.SessionId!, owner);
                // Its questions ended with it: a record of one the store did not take is no longer made again.
                questions.Ended(session.SessionId!);
            }
        }
    }

    private static CallerIdentity Caller(ClaimsPrincipal? user) => CallerIdentities.From(user);
}
