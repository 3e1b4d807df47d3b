using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.IdentityModel.JsonWebTokens;
using Portcullis.Core.Configuration;
using Portcullis.Core.Security;
using Portcullis.Security;

namespace Portcullis.Admin;

/// <summary>
/// Admin tokens come from the gateway's identity provider with the audience <c>{admin base}/admin</c> (and only
/// that one), the gateway's environment, a subject (under <c>identity.subject_claim</c>, as agents' tokens), a lifetime within <c>admin.token_ttl_seconds</c>, and the scope
/// of what they do: one authorization policy per scope in <see cref="AdminScopes"/>.
/// </summary>
internal static class AdminAuthentication
{
    public static IServiceCollection AddAdminAuthentication(this IServiceCollection services, GatewayConfig config, DevSigningKey? devKey)
    {
        services.AddSingleton<AdminAudience>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();

        // AddAuthentication brings data protection, whose hosted service reads (and would create) a key ring at
        // start-up; bearer tokens need no keys of the gateway's own, so that service does not run here. It is removed
        // after the last call that registers data protection, which would add it again.
        services.AddDataProtection().DisableAutomaticKeyGeneration();
        foreach (var keyRingWarmUp in services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "DataProtectionHostedService").ToList())
        {
            services.Remove(keyRingWarmUp);
        }

        // Configured on first use, after the listener is bound: the audience may depend on the port it got.
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<AdminAudience, TimeProvider, IdentityKeys>((options, audience, time, keys) =>
        {
            GatewayAuthentication.ConfigureJwt(options, config, devKey, () => [audience.Value], time, keys);
            options.Events = new JwtBearerEvents
            {
                OnMessageReceived = context =>
                {
                    if (AuthorizationHeader.Refusal(context.Request.Headers.Authorization) is { } header)
                    {
                        context.HttpContext.Features.Set(new TokenRefusal(header));
                        context.Fail(TokenRefusalReasons.Describe(header));
                    }

                    return Task.CompletedTask;
                },
                OnTokenValidated = context =>
                {
                    if (Refusal(context.SecurityToken as JsonWebToken, config, audience.Value, context.HttpContext.RequestServices.GetRequiredService<TimeProvider>()) is { } reason)
                    {
                        context.HttpContext.Features.Set(new TokenRefusal(reason));
                        context.Fail(reason);
                    }
                    else if (context.Principal?.Identity is ClaimsIdentity identity)
                    {
                        ScopeClaims.KeepScopeOnly(context.SecurityToken as JsonWebToken, identity);
                    }

                    return Task.CompletedTask;
                },
                OnAuthenticationFailed = context =>
                {
                    context.HttpContext.Features.Set(new TokenRefusal(TokenRefusalReasons.Classify(context.Exception),
                        (context.Exception as SigningKeysUnavailableException)?.RetryAfterSeconds));
                    return Task.CompletedTask;
                },
            };
        });
        var authorization = services.AddAuthorizationBuilder();
        foreach (var scope in new[] { AdminScopes.Admin, AdminScopes.Review })
        {
            authorization.AddPolicy(scope, policy => policy.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(scope)));
        }

        services.AddSingleton<IAuthorizationHandler>(_ => new ScopeRequirement(AdminScopes.Admin));
        services.AddSingleton<IAuthorizationHandler>(_ => new ScopeRequirement(AdminScopes.Review));
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AdminAuthorizationResults>();
        return services;
    }

    private static string? Refusal(JsonWebToken? token, GatewayConfig config, string audience, TimeProvider time) =>
        TokenIdentityChecks.Refusal(token, new TokenRules(
            audience,
            AllowOtherAudiences: false,
            config.Identity.EnvironmentClaim,
            config.Identity.SubjectClaim,
            config.Environment,
            config.Admin.TokenTtlSeconds,
            TimeSpan.FromSeconds(config.Identity.ClockSkewSeconds)), time.GetUtcNow())?.Class;

    /// <summary>The subject of the admin token on this request: its <c>identity.subject_claim</c>, as a caller's principal is.</summary>
    public static string Subject(ClaimsPrincipal user) => CallerIdentities.From(user).Subject;
}
