using System.Security.Cryptography;
using Portcullis.Core.Security;
using Portcullis.Refusals;

namespace Portcullis.Downstream;

/// <summary>
/// A session id opened on another connector, or by another principal, is replaced by one no session has, so the MCP
/// layer answers it exactly as a session it does not know, by its own rules and in its own order (its header and
/// Accept checks first, then 404 "Session not found"; a DELETE is a no-op). Refusing here instead would answer some
/// requests the MCP layer refuses for other reasons, and tell the caller that the session exists. Runs after
/// authentication, so the principal is the token's; the refusal is logged (event 2603) and audited.
/// </summary>
internal sealed class SessionOwnerMiddleware(RequestDelegate next, SessionOwners owners, HttpRefusals refusals)
{
    private const string SessionHeader = "Mcp-Session-Id";

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetRouteValue("server") is string server
            && context.Request.Headers[SessionHeader].ToString() is { Length: > 0 } sessionId
            && owners.Refusal(sessionId, server, CallerIdentities.From(context.User).Key) is { } refusal)
        {
            refusals.SessionRefused(context, sessionId, refusal);
            context.Request.Headers[SessionHeader] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        }

        return next(context);
    }
}
