using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;
using Portcullis.Samples.Conformance;

// The upstream the MCP conformance suite is run against, through the gateway: an MCP server offering the
// tools, resources, prompts and completions the suite's server scenarios call. It speaks stdio, or with
// --http URL serves Streamable HTTP at URL/mcp (port 0: any free port, printed as "listening on URL"), so the
// suite can also be run against it directly.
var http = args.SkipWhile(a => a != "--http").Skip(1).FirstOrDefault();
if (http is null)
{
    var builder = Host.CreateEmptyApplicationBuilder(settings: null);
    builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
    builder.Services.AddSingleton<Subscriptions>();
    builder.Services.AddMcpServer(ConformanceServer.Configure).WithStdioServerTransport().WithConformanceFeatures();
    await builder.Build().RunAsync();
}
else
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.WebHost.UseUrls(http);
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.Services.AddSingleton<Subscriptions>();
    builder.Services.AddHostFiltering(o => o.AllowedHosts = ["localhost", "127.0.0.1", "[::1]"]);
    builder.Services.AddMcpServer(ConformanceServer.Configure)
#pragma warning disable MCP9006 // Sessions, so 2025-11-25 clients get server-to-client requests, as through the gateway.
        .WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.StatefulForInitializeClients)
#pragma warning restore MCP9006
        .WithConformanceFeatures();
    var app = builder.Build();
    app.UseHostFiltering();
    app.MapMcp("/mcp");
    await app.StartAsync();

    // With port 0 the address is known only now; whoever started this process reads it from this line.
    Console.WriteLine($"listening on {app.Urls.First()}");
    await app.WaitForShutdownAsync();
}
