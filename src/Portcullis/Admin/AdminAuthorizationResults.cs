using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Portcullis.Core.Audit;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Security;
using Portcullis.Diagnostics;
using Portcullis.Refusals;
using Portcullis.Security;

namespace Portcullis.Admin;

/// <summary>
/// Answers refused admin requests from the error catalog: 401 <c>unauthenticated</c> (no token, or one refused, with
/// its reason class in the log and the audit trail) and 403 <c>insufficient_scope</c> naming the scope needed; logged
/// and audited as the connectors' refusals are, paced per source (<see cref="RefusalPace"/>).
/// </summary>
internal sealed class AdminAuthorizationResults(DecisionRecorder recorder, RefusalPace pace, RefusalCounter counter, AdminAudience audience,
    ILogger<AdminAuthorizationResults> logger) : IAuthorizationMiddlewareResultHandler
{
    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            return next(context);
        }

        var correlationId = CorrelationIds.Next();
        var refusal = recorder.Event(AuditKinds.HttpRefusal, AuditDecisions.Refused, correlationId) with
        {
            RemoteAddress = context.Connection.RemoteIpAddress?.ToString(),
            Resource = DecisionRecorder.Truncate("admin:" + context.Request.Path),
        };
        if (authorizeResult.Forbidden)
        {
            var scope = authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<ScopeRequirement>().FirstOrDefault()?.Scope ?? AdminScopes.Admin;
            var caller = CallerIdentities.From(context.User);
            counter.Count(CallStage.Authorize, ErrorCatalog.InsufficientScope.Code);
            if (pace.Record(refusal with { Stage = CallStage.Authorize, Code = ErrorCatalog.InsufficientScope.Code, Principal = caller.Subject, ClientId = caller.ClientId, Detail = "needs " + scope },
                HttpRefusals.LoggedMethod(context), HttpRefusals.LoggedPath(context), $"the token lacks the scope {scope}"))
            {
                GatewayLog.AdminRefused(logger, correlationId, context.Request.Path, "insufficient_scope", LogText.Safe(caller.Subject));
            }

            context.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{scope}\"";
            return AdminResults.Error(ErrorCatalog.InsufficientScope, $"This needs an admin token with the scope {scope}.", correlationId, StatusCodes.Status403Forbidden)
                .ExecuteAsync(context);
        }

        // No token check ran: no Authorization header, or one that carries no bearer token (another scheme, an empty
        // token). Nothing was refused, so the challenge names no error (RFC 6750 3.1), as on connector endpoints.
        var refused = context.Features.Get<TokenRefusal>();
        var reason = refused?.Class
            ?? (context.Request.Headers.Authorization.Count == 0 ? TokenRefusalReasons.Missing : TokenRefusalReasons.NotBearer);
        var code = reason == TokenRefusalReasons.KeysUnavailable ? ErrorCatalog.IdentityUnavailable : ErrorCatalog.Unauthenticated;
        counter.Count(CallStage.Authenticate, code.Code);
        if (pace.Record(refusal with { Stage = CallStage.Authenticate, Code = code.Code, Detail = reason },
            HttpRefusals.LoggedMethod(context), HttpRefusals.LoggedPath(context), TokenRefusalReasons.Describe(reason)))
        {
            GatewayLog.AdminRefused(logger, correlationId, context.Request.Path, reason, "-");
        }

        var description = TokenRefusalReasons.Describe(reason);
        if (reason == TokenRefusalReasons.KeysUnavailable)
        {
            // Nothing is wrong with the token: it could not be checked, and will be once the provider answers.
            var seconds = refused?.RetryAfterSeconds ?? TokenRefusalReasons.KeysUnavailableRetrySeconds;
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return AdminResults.Error(code, $"The admin token could not be checked: {description}.", correlationId, StatusCodes.Status503ServiceUnavailable, seconds)
                .ExecuteAsync(context);
        }

        var noToken = reason is TokenRefusalReasons.Missing or TokenRefusalReasons.NotBearer;
        context.Response.Headers.WWWAuthenticate = noToken
            ? "Bearer realm=\"portcullis-admin\""
            : $"Bearer realm=\"portcullis-admin\", error=\"invalid_token\", error_description=\"{description}\"";
        var message = reason == TokenRefusalReasons.Missing
            ? $"This needs a valid admin token (audience {audience.Value}) from the gateway's identity provider."
            : noToken
                ? $"This needs a valid admin token (audience {audience.Value}) from the gateway's identity provider, sent as a bearer token: {description}."
                : $"This needs a valid admin token (audience {audience.Value}) from the gateway's identity provider: {description}.";
        return AdminResults.Error(ErrorCatalog.Unauthenticated, message, correlationId, StatusCodes.Status401Unauthorized)
            .ExecuteAsync(context);
    }
}
