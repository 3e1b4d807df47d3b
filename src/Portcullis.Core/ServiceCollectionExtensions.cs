using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Pipeline.Stages;
using Portcullis.Core.RateLimiting;
using Portcullis.Core.Schemas;
using Portcullis.Core.Tools;
using Portcullis.Core.Upstreams.Http;

namespace Portcullis.Core;

/// <summary>Registers the gateway's core services for one configuration.</summary>
public static class ServiceCollectionExtensions
{
    public static IServiceCollection AddPortcullisCore(this IServiceCollection services, GatewayConfig config)
    {
        services.AddSingleton(config);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new State.StateClock(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(State.ReplicaIdentity.For(config));
        services.AddHttpClient();
        foreach (var connector in config.Connectors.Where(c => !c.Upstream.IsStdio))
        {
            // Without the factory's request logging: it opens a logging scope and times every upstream request, on
            // every call, for lines the gateway filters out; the forward stage and the supervisor log the failures.
            Upstreams.Credentials.UpstreamCredentials.Add(services, config, connector)
                .RemoveAllLoggers()
                .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
                .AddHttpMessageHandler(sp => new UpstreamSessionEndHandler(sp.GetRequiredService<TimeProvider>()))
                .AddHttpMessageHandler(sp => new UpstreamGetPacingHandler(sp.GetRequiredService<TimeProvider>()))
                .AddHttpMessageHandler(sp => new UpstreamResilienceHandler(sp.GetRequiredService<TimeProvider>(), UpstreamBreakerOptions.Default))
                .AddHttpMessageHandler(sp => new UpstreamAnswerLimitHandler(
                    config.Limits.MaxResultBytes, connector.Server, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Portcullis.Upstream")))
                .AddHttpMessageHandler(() => new SameOriginRedirectHandler());
        }

        services.AddSingleton(new SchemaCache(TimeSpan.FromMilliseconds(config.Limits.PatternBudgetMs)));
        services.AddSingleton<ToolSchemaBuilder>();
        services.AddSingleton<ToolListing>();
        services.TryAddSingleton<Pins.PinRegistry>();
        services.AddSingleton<Pins.PinReloader>();
        services.AddSingleton(sp => new ConnectorRegistry(
            config,
            connector => sp.GetRequiredService<IHttpClientFactory>().CreateClient(Upstreams.Credentials.UpstreamCredentials.ClientName(connector)),
            sp.GetRequiredService<ToolSchemaBuilder>(),
            sp.GetRequiredService<Pins.PinRegistry>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetService<Sessions.ISessionStore>() is { } sessions
                ? new Relay.SessionLogLevels(sessions, sp.GetRequiredService<State.StateClock>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Relay.SessionLogLevels>>())
                : null));
        services.AddSingleton<Lifecycle.GatewayDrain>();
        services.AddSingleton<AuthorizeStage>();
        services.AddSingleton<CallRateLimiters>();
        services.AddSingleton<RateLimitStage>();
        services.AddSingleton<ValidateStage>();
        services.AddSingleton<Review.ReviewNotifier>();
        services.AddSingleton(sp => new Review.ReviewGate(
            sp.GetRequiredService<Idempotency.IIdempotencyStore>(), config, sp.GetRequiredService<Audit.DecisionRecorder>(), sp.GetRequiredService<Review.ReviewNotifier>(),
            sp.GetRequiredService<State.StateClock>(), sp.GetRequiredService<ILogger<Review.ReviewGate>>()));
        // Leases, expiries and retention are stamped with the state store's clock, the same on every replica.
        services.AddSingleton<Idempotency.UnsettledClaims>();
        services.AddSingleton(sp => new IdempotencyStage(
            sp.GetRequiredService<Idempotency.IIdempotencyStore>(), config, sp.GetRequiredService<Review.ReviewGate>(), sp.GetRequiredService<Idempotency.UnsettledClaims>(), sp.GetRequiredService<State.StateClock>(),
            sp.GetRequiredService<GatewayTelemetry>(), sp.GetRequiredService<ILogger<IdempotencyStage>>()));
        services.AddSingleton<OutputSchemaStage>();
        services.AddSingleton<ForwardStage>();
        services.AddMetrics();
        services.AddSingleton<GatewayTelemetry>();
        services.AddSingleton(sp => new Audit.AuditTrail(
            config,
            sp.GetService<Audit.IAuditSink>(),
            sp.GetRequiredService<GatewayTelemetry>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<Audit.AuditTrail>>()));
        services.AddSingleton<Audit.DecisionRecorder>();
        services.AddSingleton<Idempotency.IdempotencyResolver>();
        services.AddSingleton<Audit.CatalogAuditor>();
        services.AddSingleton<UpstreamMetrics>();
        services.AddSingleton<RefusalCounter>();
        services.AddSingleton<State.StateOutages>();
        services.AddSingleton<ToolCallPipeline>();
        services.AddSingleton(sp => sp.GetService<Sessions.ISessionStore>() is { } sessions
            ? new Relay.SessionSubscriptions(sessions, sp.GetRequiredService<State.StateClock>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Relay.SessionSubscriptions>>())
            : null!);
        services.AddSingleton<Relay.Passthrough>();
        services.AddSingleton<Relay.MrtrBridge>();
        return services;
    }
}
