using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using ModelContextProtocol.AspNetCore.Authentication;
using Portcullis.Core.Configuration;
using Portcullis.Core.Security;

namespace Portcullis.Security;

/// <summary>
/// Inbound auth: every oauth connector is an OAuth 2.1 protected resource. JwtBearer checks signature, issuer,
/// lifetime and audience; <see cref="ConnectorTokenChecks"/> binds the token to the URL's connector; the SDK's MCP
/// handler serves RFC 9728 metadata and answers challenges with <c>resource_metadata</c>.
/// </summary>
internal static class GatewayAuthentication
{
    private static readonly string[] Algorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    /// <summary>The issuer named in protected-resource metadata: the authority, the issuer, or the gateway itself in dev.</summary>
    public static string AuthorizationServer(GatewayConfig config) =>
        config.Identity.Dev ? ResourceUris.BaseUrl(config) : config.Identity.Authority ?? config.Identity.Issuer ?? "";

    public static IServiceCollection AddGatewayAuthentication(this IServiceCollection services, GatewayConfig config)
    {
        services.AddSingleton<ConnectorTokenChecks>();
        services.AddSingleton<IdentityKeys>();
        services.AddSingleton<ResourceMetadataEvents>();
        services.AddSingleton<IAuthorizationHandler, ConnectorAccessHandler>();
        var devKey = config.Identity.Dev ? DevSigningKey.LoadOrCreate(config.DataDir!) : null;
        if (devKey is not null)
        {
            services.AddSingleton(devKey);
        }

        // AddAuthentication brings data protection (for cookie and remote-login handlers). Bearer tokens never need it:
        // no cookies, no protected state. So no key is ever generated, and its hosted service, which would load the
        // (empty) key ring at start-up and log errors about it, is removed; a protector asked for would fail loudly.
        services.AddDataProtection().DisableAutomaticKeyGeneration();
        services
            .AddAuthentication(options =>
            {
                options.DefaultScheme = McpAuthenticationDefaults.AuthenticationScheme;
                options.DefaultChallengeScheme = McpAuthenticationDefaults.AuthenticationScheme;
            })
            .AddJwtBearer(JwtBearerDefaults.AuthenticationScheme)
            .AddMcp(_ => { });

        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<ConnectorTokenChecks, TimeProvider, IdentityKeys>((options, checks, time, keys) =>
            {
                ConfigureJwt(options, config, devKey, () => [.. config.Connectors.Where(c => !c.Auth.IsAnonymous).Select(c => ResourceUris.For(config, c.Server))], time, keys);
                options.Events = new JwtBearerEvents
                {
                    OnMessageReceived = checks.OnMessageReceivedAsync,
                    OnTokenValidated = checks.OnTokenValidatedAsync,
                    OnAuthenticationFailed = checks.OnAuthenticationFailedAsync,
                };
            });
        services.AddOptions<McpAuthenticationOptions>(McpAuthenticationDefaults.AuthenticationScheme)
            .Configure<ResourceMetadataEvents>((options, events) =>
                options.Events.OnResourceMetadataRequest = events.OnResourceMetadataRequestAsync);

        foreach (var warmUp in services.Where(IsKeyRingWarmUp).ToList())
        {
            services.Remove(warmUp);
        }

        services.AddAuthorizationBuilder()
            .AddPolicy(ConnectorAccessRequirement.PolicyName, policy => policy.AddRequirements(new ConnectorAccessRequirement()));
        return services;
    }

    /// <summary>Signature, issuer, lifetime and audience checks against the identity provider; shared by the admin plane.</summary>
    /// <remarks>
    /// The audiences a token may carry are asked of <paramref name="audiences"/> at each validation. Every request
    /// carries its token: each distinct one is validated once, and its verdict reused while it holds. The provider's
    /// keys are the gateway's one <see cref="IdentityKeys"/>, whichever listener asks.
    /// </remarks>
    internal static void ConfigureJwt(JwtBearerOptions options, GatewayConfig config, DevSigningKey? devKey, Func<IReadOnlyCollection<string>> audiences,
        TimeProvider time, IdentityKeys keys)
    {
        var identity = config.Identity;
        options.TokenHandlers.Clear();
        options.TokenHandlers.Add(new CachingTokenHandler(new JsonWebTokenHandler { MapInboundClaims = false }, time));
        options.MapInboundClaims = false;
        // A token with an unknown kid is validated again after the keys are fetched (ProviderKeys, by the token
        // handler): the handler's own refresh after a refusal would come too late for that request.
        options.RefreshOnIssuerKeyNotFound = false;
        options.IncludeErrorDetails = false;
        // Nothing reads the bearer token back from the request's authentication properties (it is never sent
        // upstream), so it is not copied into them on every request.
        options.SaveToken = false;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidateAudience = true,
            // Read at each validation, not once: with listen port 0 the base URL is known only once Kestrel has bound.
            AudienceValidator = (tokenAudiences, _, _) =>
            {
                var valid = audiences();
                return tokenAudiences.Any(a => valid.Contains(a, StringComparer.Ordinal));
            },
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ValidAlgorithms = Algorithms,
            ClockSkew = TimeSpan.FromSeconds(identity.ClockSkewSeconds),
            // The principal (CallerIdentities) is the identity's name: the claim that names a person, the same for the
            // MCP endpoints and the admin plane, so the review guard compares a caller and a reviewer under one claim.
            NameClaimType = identity.SubjectClaim,
        };

        if (devKey is not null)
        {
            options.TokenValidationParameters.IssuerSigningKey = devKey.Key;
            options.TokenValidationParameters.IssuerValidator = (issuer, _, _) =>
                string.Equals(issuer, ResourceUris.BaseUrl(config), StringComparison.Ordinal)
                    ? issuer
                    : throw new SecurityTokenInvalidIssuerException("The token's issuer is not this gateway's development identity.");
        }
        else if (identity.JwksUri is not null)
        {
            options.TokenValidationParameters.ValidIssuer = identity.Issuer;
            options.ConfigurationManager = keys.Keys;
        }
        else if (identity.Authority is not null)
        {
            options.TokenValidationParameters.ValidIssuer = identity.Issuer;
            options.Authority = identity.Authority;
            options.RequireHttpsMetadata = !IsHttp(identity.Authority);
            options.ConfigurationManager = keys.Keys;
        }
    }

    private static bool IsKeyRingWarmUp(ServiceDescriptor descriptor) =>
        descriptor.ServiceType == typeof(IHostedService)
        && descriptor.ImplementationType?.FullName == "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService";

    private static bool IsHttp(string url) => url.StartsWith("http://", StringComparison.OrdinalIgnoreCase);
}
