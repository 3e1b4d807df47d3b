using Microsoft.AspNetCore.Server.Kestrel.Core;
using ModelContextProtocol.AspNetCore;
using Portcullis.Admin;
using Portcullis.Core;
using Portcullis.Core.Configuration;
using Portcullis.Downstream;
using Portcullis.Health;
using Portcullis.Logging;
using Portcullis.Refusals;
using Portcullis.Security;

namespace Portcullis.Hosting;

/// <summary>Builds the ASP.NET Core application that serves one gateway configuration.</summary>
internal static class GatewayApp
{
    public static WebApplication Build(GatewayConfig config, LoggingOptions logging, DataDirLock dataDirLock)
    {
        StartSecrets.Check(config);
        var builder = WebApplication.CreateSlimBuilder(GatewayHostOptions.For(config));
        builder.WebHost.UseUrls(config.Listen);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = config.Limits.MaxBodyBytes;
            AuthorizationHeader.Allow(kestrel.Limits);
        });
        builder.Logging.AddGatewayLogging(logging, config.Logging);

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(config.Shutdown.DrainSeconds) + ShutdownDrainService.StopMargin);
        builder.Services.AddPortcullisCore(config);
        builder.Services.AddGatewayTelemetry(config);
        builder.Services.AddSingleton(dataDirLock);

        // Started in this order, stopped in reverse: the audit writer stops last, after the upstreams, which stop
        // after Kestrel has drained its calls.
        builder.Services.AddAudit(config);
        builder.Services.AddSingleton<UpstreamHostedService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<UpstreamHostedService>());
        builder.Services.AddSingleton<StartupGate>();
        builder.Services.AddHostedService<ShutdownDrainService>();
        builder.Services.AddHostedService<ListenAddressReporter>();
        builder.Services.AddGatewayHealth(config.Connectors.Select(c => c.Server));
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<HttpRefusals>();
        builder.Services.AddState(config);
        builder.Services.AddSingleton<McpSessionSetup>();
        builder.Services.AddSingleton<SessionQuestionRoutes>();
        builder.Services.AddSingleton<HeldCalls>();
        builder.Services.AddSingleton<SessionOwners>();
        builder.Services.AddSingleton<SessionLimitRefusals>();
        builder.Services.AddHostedService<RefusalReportsService>();
        builder.Services.AddHostedService<SessionSweepService>();
        builder.Services.AddGatewayAuthentication(config);
        builder.Services.AddSingleton<ProtocolHandlers>();
        builder.Services.AddSingleton<HostPolicy>();
        builder.Services
            .AddMcpServer()
            .WithHttpTransport();
        builder.Services.AddOptions<HttpServerTransportOptions>()
            .Configure<McpSessionSetup>((options, setup) =>
            {
                options.ConfigureSessionOptions = setup.ConfigureAsync;
                // Sessions for initialize-handshake (2025-11-25) clients, so upstream questions and
                // notifications can reach them; 2026-07-28 clients are served per request. See docs/protocol.md.
#pragma warning disable MCP9006, MCPEXP002 // Stateful sessions are the only way 2025-11-25 clients get server-to-client requests.
                options.SessionMode = HttpServerSessionMode.StatefulForInitializeClients;
                options.RunSessionHandler = setup.RunSessionAsync;
#pragma warning restore MCP9006, MCPEXP002
            });

        if (config.Admin.Listen is not null)
        {
            builder.Services.AddHostedService<AdminPlaneService>();
        }

        var app = builder.Build();
        app.UseMiddleware<UnwrittenRefusalMiddleware>();
        app.UseMiddleware<HostFilterMiddleware>();
        app.UseRouting();
        app.UseMiddleware<UnknownConnectorMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<JsonRpcRequestMiddleware>();
        app.UseMiddleware<StateOutageMiddleware>();
        app.UseMiddleware<SessionOwnerMiddleware>();
        app.UseMiddleware<SessionCapMiddleware>();
        app.UseMiddleware<StepUpMiddleware>();
        app.UseMiddleware<SessionStreamMiddleware>();
        app.UseMiddleware<PendingCallForwarder>();
        app.UseMiddleware<SessionEndMiddleware>();
        app.UseMiddleware<SessionGoneMiddleware>();
        app.MapHealth();
        app.MapDevIdentity(config);
        app.MapMcp("/mcp/{server}")
            .RequireAuthorization(ConnectorAccessRequirement.PolicyName)
            // Routing answered a POST without a JSON Content-Type with a bare 415 before authentication and every check of
            // the gateway's: the frame check answers it instead, in the error catalog's terms, after the token.
            .Finally(endpoint =>
            {
                for (var i = endpoint.Metadata.Count - 1; i >= 0; i--)
                {
                    if (endpoint.Metadata[i] is Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata)
                    {
                        endpoint.Metadata.RemoveAt(i);
                    }
                }
            });
        return app;
    }
}
