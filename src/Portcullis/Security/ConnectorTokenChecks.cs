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

        context.Principal!.AddIdentity(new ClaimsIdentity([new Claim(ConnectorClaim, connector.Name)]));
        return Task.CompletedTask;
    }

    public Task OnAuthenticationFailedAsync(AuthenticationFailedContext context)
    {
        var server = context.HttpContext.GetRouteValue("server") as string ?? "-";
        refusals.TokenRefused(context.HttpContext, server, TokenRefusalReasons.Classify(context.Exception), context.Exception.GetType().Name);
        return Task.CompletedTask;
    }

    /// <summary>Why the token may not open this connector: a reason class for the audit trail and a sentence for the log.</summary>
    private (string Class, string Reason)? Refusal(JsonWebToken? token, Connector connector)
    {
        if (token is null)
        {
            return ("malformed", "not a JWT");
        }

        var resource = ResourceUris.For(config, connector.Name);
        var audiences = token.Audiences.ToList();
        if (!audiences.Contains(resource, StringComparer.Ordinal))
        {
            return ("wrong_audience", "audience is not this connector's resource URI");
        }

        // A token valid for several resources would open each of them: by default it must name this connector only.
        if (!connector.Config.Auth.AllowMultipleAudiences && audiences.Any(a => !string.Equals(a, resource, StringComparison.Ordinal)))
        {
            return ("multiple_audiences", "audience names other resources besides this connector (auth.allow_multiple_audiences is off)");
        }

        var claim = config.Identity.EnvironmentClaim;
        if (!token.TryGetPayloadValue<string>(claim, out var environment)
            || !string.Equals(environment, connector.Config.Environment, StringComparison.Ordinal))
        {
            return ("wrong_environment", $"claim '{claim}' does not name the connector's environment");
        }

        return TokenIdentityChecks.Refusal(token, connector.Config.Auth.TokenTtlSeconds, time.GetUtcNow(), TimeSpan.FromSeconds(config.Identity.ClockSkewSeconds));
    }
}
