using Microsoft.AspNetCore.Hosting.Server.Features;
using OpenTelemetry.Metrics;
using Portcullis.Core.Audit;
using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Idempotency;
using Portcullis.Hosting;
using Portcullis.Refusals;
using Portcullis.Security;

namespace Portcullis.Admin;

/// <summary>
/// Builds the admin plane: its own Kestrel listener and pipeline, never the MCP one, sharing the gateway's
/// singletons (connectors, stores, audit trail, metrics) and its logging.
/// </summary>
internal static class AdminApp
{
    /// <summary>The largest request body the admin plane reads; larger ones are answered 413 <c>payload_too_large</c>.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    public static WebApplication Build(GatewayConfig config, IServiceProvider gateway)
    {
        var builder = WebApplication.CreateSlimBuilder(GatewayHostOptions.For(config));
        builder.WebHost.UseUrls(config.Admin.Listen!);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxBodyBytes;
            AuthorizationHeader.Allow(kestrel.Limits);
        });
        builder.Logging.ClearProviders();
        // The gateway's own lifetime messages cover the process; the admin plane logs its address itself.
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        var services = builder.Services;
        services.AddSingleton<ILoggerFactory>(new AdminLoggers(gateway.GetRequiredService<ILoggerFactory>()));
        Share<GatewayConfig>(services, gateway);
        Share<TimeProvider>(services, gateway);
        Share<Portcullis.Core.State.StateClock>(services, gateway);
        Share<ConnectorRegistry>(services, gateway);
        Share<IIdempotencyStore>(services, gateway);
        Share<IdempotencyResolver>(services, gateway);
        Share<Core.Review.ReviewGate>(services, gateway);
        Share<DecisionRecorder>(services, gateway);
        Share<AuditTrail>(services, gateway);
        Share<RefusalCounter>(services, gateway);
        Share<RefusalPace>(services, gateway);
        Share<Portcullis.Core.State.StateOutages>(services, gateway);
        // One key set for both listeners: keys the MCP listener fetched check admin tokens too (the provider may be down).
        Share<IdentityKeys>(services, gateway);
        // The admin listener's own HTTP refusals (a foreign Host) go through the gateway's one refusal path.
        services.AddProblemDetails();
        services.AddSingleton<HttpRefusals>();
        if (gateway.GetService<IAuditReader>() is { } reader)
        {
            services.AddSingleton(reader);
        }

        services.AddAdminAuthentication(config, gateway.GetService<DevSigningKey>());

        // DNS-rebinding protection as on the MCP listener: on loopback only loopback names (and public_url's host).
        var publicHost = config.Admin.PublicUrl is { } publicUrl ? new Uri(publicUrl).Authority : null;
        services.AddSingleton(new HostPolicy(new GatewayConfig
        {
            Listen = config.Admin.PublicUrl is null || ListenAddress.IsLoopback(config.Admin.PublicUrl) ? config.Admin.Listen! : config.Admin.PublicUrl,
            AllowedHosts = publicHost is null ? null : [publicHost, "localhost", "127.0.0.1", "[::1]"],
        }));
        var app = builder.Build();
        app.UseMiddleware<HostFilterMiddleware>();
        app.Use(ForbidStoringAndSniffing);
        app.UseMiddleware<AdminFailureMiddleware>();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapAdmin(config, gateway.GetService<MeterProvider>(), gateway.GetService<DevSigningKey>());
        return app;
    }

    /// <summary>
    /// Every admin-plane answer (the audit trail, held arguments, refusals) is read with a bearer token: no cache may
    /// keep it and no browser may read it as anything but its declared type. The console's pages set the same values.
    /// </summary>
    /// <remarks>Set as the answer starts, so that an answer written after <c>Response.Clear()</c> (a 500, a 503) carries them too.</remarks>
    private static Task ForbidStoringAndSniffing(HttpContext context, RequestDelegate next)
    {
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.CacheControl = "no-store";
            headers.XContentTypeOptions = "nosniff";
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    }

    /// <summary>The addresses the admin listener bound (port 0 resolved), once started.</summary>
    public static ICollection<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];

    private static void Share<T>(IServiceCollection services, IServiceProvider gateway)
        where T : class => services.AddSingleton(gateway.GetRequiredService<T>());
}
