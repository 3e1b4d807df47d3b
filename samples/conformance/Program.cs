using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portcullis.Samples.Conformance;

// The upstream the MCP conformance suite is run against, through the gateway: a stdio MCP server offering
// the tools, resources, prompts and completions the suite's server scenarios call.
var builder = Host.CreateEmptyApplicationBuilder(settings: null);
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton<Subscriptions>();
builder.Services
    .AddMcpServer(o => o.ServerInfo = new() { Name = "portcullis-conformance", Version = "1.0.0" })
    .WithStdioServerTransport()
    .WithTools<ConformanceTools>()
    .WithTools<ElicitationTools>()
    .WithTools([ConformanceTools.JsonSchema202012Tool()])
    .WithResources<ConformanceResources>()
    .WithPrompts<ConformancePrompts>()
    .WithCompleteHandler(Completions.CompleteAsync)
    .WithSetLoggingLevelHandler(LoggingLevels.SetAsync)
    .WithSubscribeToResourcesHandler((context, _) => context.Services!.GetRequiredService<Subscriptions>().Subscribe(context))
    .WithUnsubscribeFromResourcesHandler((context, _) => context.Services!.GetRequiredService<Subscriptions>().Unsubscribe(context));

await builder.Build().RunAsync();
