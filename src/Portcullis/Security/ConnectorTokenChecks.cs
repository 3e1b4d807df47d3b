using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Security;
using Portcullis.Refusals;

namespace Portcullis.Security;

/// <summary>
/// What JwtBearer cannot know on its own: that the token was issued for the connector the URL names (audience
/// exactly its resource URI, unless the connector allows several), for its environment, and with a lifetime within
/// the connector's cap.
/// </summary>
internal sealed class ConnectorTokenChecks(GatewayConfig config, ConnectorRegistry connectors, HttpRefusals refusals, TimeProvider time)
{
    /// <summary>Added to a principal whose token passed every check for the named connector.</summary>
    public const string ConnectorClaim = "portcullis:connector";

    /// <summary>
    /// Before the token is read: an <c>Authorization</c> header the gateway does not take (<see cref="AuthorizationHeader"/>:
    /// too long, or more than one) is refused for what it is, on a protected connector endpoint; elsewhere it is not read at all.
    /// </summary>
    public Task OnMessageReceivedAsync(MessageReceivedContext context)
    {
        if (AuthorizationHeader.Refusal(context.Request.Headers.Authorization) is not { } reasonClass)
        {
            return Task.CompletedTask;
        }

        if (context.HttpContext.GetRouteValue("server") is not string server
            || !connectors.TryGet(server, out var connector)
            || connector.Config.Auth.IsAnonymous)
        {
            context.NoResult();
            return Task.CompletedTask;
        }

        var reason = TokenRefusalReasons.Describe(reasonClass);
        refusals.TokenRefused(context.HttpContext, connector.Name, reasonClass, reason);
        context.Fail(reason);
        return Task.CompletedTask;
    }

    public Task OnTokenValidatedAsync(TokenValidatedContext context)
    {
        if (context.HttpContext.GetRouteValue("server") is not string server
            || !connectors.TryGet(server, out var connector)
            || connector.Config.Auth.IsAnonymous)
        {
            // Only connector endpoints accept tokens; elsewhere a token grants nothing (and refuses nothing by itself).
            context.Fail("not a protected connector endpoint");
            return Task.CompletedTask;
        }

        if (Refusal(context.SecurityToken as JsonWebToken, connector) is { } refusal)
        {
            refusals.TokenRefused(context.HttpContext, connector.Name, refusal.Class, refusal.Reason);
            context.Fail(refusal.Reason);
            return Task.CompletedTask;
        }

        // The MCP layer binds a session to the token identity's NameIdentifier, else its sub: the principal's subject
        // (identity.subject_claim) in both, so a session is its principal's also where the token has no sub.
        // The identity's name is that claim (its name claim type), and the checks above refused a token without it.
        var principal = context.Principal!;
        var identity = (ClaimsIdentity)principal.Identity!;
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, identity.Name!));
        ScopeClaims.KeepScopeOnly(context.SecurityToken as JsonWebToken, identity);
        principal.AddIdentity(new ClaimsIdentity([new Claim(ConnectorClaim, connector.Name)]));
        return Task.CompletedTask;
    }

    public Task OnAuthenticationFailedAsync(AuthenticationFailedContext context)
    {
        // Authentication runs on every request, but only a protected connector endpoint asks for a token: a bad one sent
        // elsewhere (a health probe, the resource metadata, an anonymous connector) refuses nothing, so nothing is
        // logged or audited as refused there.
        if (context.HttpContext.GetRouteValue("server") is not string server
            || !connectors.TryGet(server, out var connector)
            || connector.Config.Auth.IsAnonymous)
        {
            return Task.CompletedTask;
        }

        var reasonClass = TokenRefusalReasons.Classify(context.Exception);
        var reason = reasonClass == TokenRefusalReasons.Invalid
            ? $"{TokenRefusalReasons.Describe(reasonClass)}: {context.Exception.GetType().Name}"
            : TokenRefusalReasons.Describe(reasonClass);
        refusals.TokenRefused(context.HttpContext, server, reasonClass, reason, (context.Exception as SigningKeysUnavailableException)?.RetryAfterSeconds);
        return Task.CompletedTask;
    }

    private (string Class, string Reason)? Refusal(JsonWebToken? token, Connector connector) =>
        TokenIdentityChecks.Refusal(token, new TokenRules(
            ResourceUris.For(config, connector.Name),
            connector.Config.Auth.AllowMultipleAudiences,
            config.Identity.EnvironmentClaim,
            config.Identity.SubjectClaim,
            connector.Config.Environment,
            connector.Config.Auth.TokenTtlSeconds,
            TimeSpan.FromSeconds(config.Identity.ClockSkewSeconds)), time.GetUtcNow());
}
