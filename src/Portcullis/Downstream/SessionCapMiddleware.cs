using Portcullis.Core.Configuration;
using Portcullis.Core.Security;
using Portcullis.Refusals;

namespace Portcullis.Downstream;

/// <summary>
/// Keeps each principal within <c>limits.max_sessions_per_principal</c> sessions on this replica: a 2025-11-25
/// <c>initialize</c> (the request that opens a session) reserves one of the principal's slots before the MCP layer
/// sees it, and is refused with <c>rate_limited</c> (<see cref="SessionLimitRefusals"/>) when none is left, so nothing
/// is created. The session the request opens takes the slot over; a slot no session took (the initialize failed,
/// or a session continued from another replica did not start, see <see cref="SessionMigration"/>) is given back when
/// the request ends. 2026-07-28 requests open no session and pass untouched.
/// </summary>
internal sealed class SessionCapMiddleware(RequestDelegate next, SessionOwners owners, GatewayConfig config, SessionLimitRefusals refusals)
{
    /// <summary>
    /// An initialize that opens a session reserves a slot; a request of a session may continue one from another replica
    /// (<see cref="SessionMigration"/> reserves its slot further on), so a slot left unused is given back after either.
    /// Every other request passes straight on, without a step of its own.
    /// </summary>
    public Task InvokeAsync(HttpContext context) =>
        OpensSession(context) ? CappedAsync(context)
        : context.Request.Headers.ContainsKey("Mcp-Session-Id") ? ReleasingAsync(context)
        : next(context);

    private async Task CappedAsync(HttpContext context)
    {
        var caller = CallerIdentities.From(context.User);
        if (owners.TryReserve(caller.Key, config.Limits.MaxSessionsPerPrincipal) is not { } slot)
        {
            await refusals.RefuseInitializeAsync(context, caller, owners.Count(caller.Key), context.Features.Get<JsonRpcRequestFeature>()?.Id);
            return;
        }

        context.Features.Set(slot);
        await ReleasingAsync(context);
    }

    private async Task ReleasingAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        finally
        {
            if (context.Features.Get<SessionSlot>() is { } reserved)
            {
                owners.Release(reserved);
            }
        }
    }

    /// <summary>An initialize without a session id, on a revision that has sessions: what makes the MCP layer open one.</summary>
    private static bool OpensSession(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method)
        && context.Features.Get<JsonRpcRequestFeature>() is { Method: "initialize", Id: not null }
        && context.Request.Headers["Mcp-Session-Id"].ToString().Length == 0
        && !RequestParamsCheck.WithoutSessions(context.Request);
}
