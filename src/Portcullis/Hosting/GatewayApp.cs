using Microsoft.AspNetCore.Server.Kestrel.Core;
using ModelContextProtocol.AspNetCore;
using Portcullis.Core;
using Portcullis.Core.Configuration;
using Portcullis.Downstream;
using Portcullis.Health;
using Portcullis.Refusals;
using Portcullis.Security;

namespace Portcullis.Hosting;

/// <summary>Builds the ASP.NET Core application that serves one gateway configuration.</summary>
internal static class GatewayApp
{
    public static WebApplication Build(GatewayConfig config, DataDirLock dataDirLock)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = config.DataDir });
        builder.WebHost.UseUrls(config.Listen);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = config.Limits.MaxBodyBytes;
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("ModelContextProtocol", LogLevel.Warning);

        // The MCP layer logs two warnings, one with a stack trace, for every request it refuses (an unknown method,
        // params it cannot read): junk traffic would flood the log. The gateway counts those itself and reports them
        // at most once per interval (McpSessionSetup, HttpRefusals); its handlers log their own failures.
        builder.Logging.AddFilter("ModelContextProtocol.Server.McpServer", LogLevel.Error);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(config.Shutdown.DrainSeconds) + ShutdownDrainService.StopMargin);
        builder.Services.AddPortcullisCore(config);
        builder.Services.AddSingleton(dataDirLock);

        // Started in this order, stopped in reverse: the upstreams stop last, after Kestrel has drained its calls.
        builder.Services.AddSingleton<UpstreamHostedService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<UpstreamHostedService>());
        builder.Services.AddHostedService<ShutdownDrainService>();
        builder.Services.AddHostedService<ListenAddressReporter>();
        builder.Services.AddGatewayHealth(config.Connectors.Select(c => c.Server));
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<HttpRefusals>();
        builder.Services.AddIdempotency(config);
        builder.Services.AddSingleton<McpSessionSetup>();
        builder.Services.AddSingleton<SessionOwners>();
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

        var app = builder.Build();
        app.UseMiddleware<HostFilterMiddleware>();
        app.UseRouting();
        app.UseMiddleware<UnknownConnectorMiddleware>();
        app.UseMiddleware<SessionOwnerMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<JsonRpcRequestMiddleware>();
        app.UseMiddleware<StepUpMiddleware>();
        app.MapHealth();
        app.MapDevIdentity();
        app.MapMcp("/mcp/{server}").RequireAuthorization(ConnectorAccessRequirement.PolicyName);
        return app;
    }
}
