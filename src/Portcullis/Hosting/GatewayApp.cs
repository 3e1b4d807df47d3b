using Microsoft.AspNetCore.Server.Kestrel.Core;
using ModelContextProtocol.AspNetCore;
using Portcullis.Core;
using Portcullis.Core.Configuration;
using Portcullis.Downstream;
using Portcullis.Health;
using Portcullis.Security;

namespace Portcullis.Hosting;

/// <summary>Builds the ASP.NET Core application that serves one gateway configuration.</summary>
internal static class GatewayApp
{
    public static WebApplication Build(GatewayConfig config)
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
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

        builder.Services.AddPortcullisCore(config);
        // Order matters: upstreams start, then the state store is made ready, then the listener waits for the
        // upstreams' first attempts (hosted services start one after another, before the server).
        builder.Services.AddHostedService<UpstreamHostedService>();
        builder.Services.AddState(config);
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
        app.UseMiddleware<PendingCallForwarder>();
        app.UseMiddleware<SessionEndMiddleware>();
        app.MapHealth();
        app.MapDevIdentity(config);
        app.MapMcp("/mcp/{server}").RequireAuthorization(ConnectorAccessRequirement.PolicyName);
        return app;
    }
}
