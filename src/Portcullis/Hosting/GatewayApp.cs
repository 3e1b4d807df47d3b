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
        builder.Services.AddHostedService<UpstreamHostedService>();
        builder.Services.AddIdempotency(config);
        builder.Services.AddSingleton<McpSessionSetup>();
        builder.Services.AddGatewayAuthentication(config);
        builder.Services
            .AddMcpServer()
            .WithHttpTransport();
        builder.Services.AddOptions<HttpServerTransportOptions>()
            .Configure<McpSessionSetup>((options, setup) => options.ConfigureSessionOptions = setup.ConfigureAsync);

        var app = builder.Build();
        app.UseRouting();
        app.UseMiddleware<UnknownConnectorMiddleware>();
        app.UseMiddleware<PayloadLimitMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<StepUpMiddleware>();
        app.UseMiddleware<JsonRpcPrefilterMiddleware>();
        app.MapHealth();
        app.MapDevIdentity(config);
        app.MapMcp("/mcp/{server}").RequireAuthorization(ConnectorAccessRequirement.PolicyName);
        return app;
    }
}
