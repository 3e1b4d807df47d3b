using Microsoft.Extensions.Logging;
using Portcullis.Fixtures.Upstream;

// A test upstream: an MCP server whose tools exercise what the gateway must carry or survive.
// --http URL serves Streamable HTTP at URL/mcp (port 0: any free port) and prints "listening on URL"; otherwise it speaks stdio.
// --record PATH appends every tools/call it receives to PATH (one JSON line each), the witness of what arrived.
var http = FixtureArgs.Value(args, "--http");
// --extra-tools N and --long-description-bytes N add tools (a large catalog, an oversized tool-list page); --header-tools
// adds tools with x-mcp-header parameters.
// --resources N lists N text resources (see ExtraResources), --templates N resource templates (ExtraTemplates), --prompts N
// prompts (ExtraPrompts); without them the fixture offers none. --passthrough-meta TEXT gives each of them _meta and an icon.
// --sessions serves HTTP with sessions (Mcp-Session-Id), as servers of 2025-11-25 and before do; stateless otherwise.
// --catalog-state PATH keeps the changes made to the tool list in PATH, and replays them at start (see CatalogState).
var recorder = new CallRecorder(FixtureArgs.Value(args, "--record"));
var catalogState = new CatalogState(FixtureArgs.Value(args, "--catalog-state"));

if (http is null)
{
    var builder = Host.CreateEmptyApplicationBuilder(settings: null);
    builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
    builder.Services.AddSingleton(recorder);
    builder.Services.AddSingleton(catalogState);
    builder.Services.PostConfigure<ModelContextProtocol.Server.McpServerOptions>(o => catalogState.Apply(o.ToolCollection ??= []));
    var mcp = builder.Services.AddMcpServer(FixtureServer.Configure).WithStdioServerTransport().WithTools<FixtureTools>().WithTools<FixtureFaultTools>().WithTools<CatalogTools>().WithTools<RawWireTools>().WithTools(ExtraTools.From(args)).WithTools(LongDescriptionTool.From(args)).WithTools(RawSchemaTools.Create()).WithTools(HeaderTools.From(args));
    WithExtraResources(mcp, args);
    await builder.Build().RunAsync();
}
else
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.WebHost.UseUrls(http);
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.Services.AddSingleton(recorder);
    builder.Services.AddSingleton(catalogState);
    builder.Services.PostConfigure<ModelContextProtocol.Server.McpServerOptions>(o => catalogState.Apply(o.ToolCollection ??= []));
    builder.Services.AddSingleton<HttpBehaviour>();
    var mcp = builder.Services.AddMcpServer(FixtureServer.Configure).WithHttpTransport(o => o.Stateless = !args.Contains("--sessions")).WithTools<FixtureTools>().WithTools<FixtureFaultTools>().WithTools<CatalogTools>().WithTools<RawWireTools>().WithTools(ExtraTools.From(args)).WithTools(LongDescriptionTool.From(args)).WithTools(RawSchemaTools.Create()).WithTools(HeaderTools.From(args));
    WithExtraResources(mcp, args);
    var app = builder.Build();
    app.UseMiddleware<HttpBehaviourMiddleware>();
    app.MapPost("/control", (HttpBehaviour behaviour, ControlRequest request) => behaviour.Set(request));
    app.MapGet("/received-authorization", (HttpBehaviour behaviour) => Results.Json(behaviour.Authorizations()));
    app.Map("/redirected", (HttpBehaviour behaviour) => behaviour.Followed());
    app.MapGet("/redirects-followed", (HttpBehaviour behaviour) => Results.Json(behaviour.RedirectsFollowed));
    app.MapGet("/loop-redirects", (HttpBehaviour behaviour) => Results.Json(behaviour.LoopRedirects));
    app.MapGet("/streams-opened", (HttpBehaviour behaviour) => Results.Json(behaviour.StreamsOpened));
    app.MapGet("/received-cancellations", (HttpBehaviour behaviour) => behaviour.Cancellations());
    app.MapMcp("/mcp");
    await app.StartAsync();

    // With port 0 the address is known only now; whoever started this process reads it from this line.
    Console.WriteLine($"listening on {app.Urls.First()}");
    await app.WaitForShutdownAsync();
}

// Only when asked: a fixture that declares the resources capability answers resources/list, which other tests rely on it not doing.
static void WithExtraResources(IMcpServerBuilder mcp, string[] args)
{
    if (ExtraResources.From(args).Concat(ExtraTemplates.From(args)).ToList() is { Count: > 0 } resources)
    {
        mcp.WithResources(resources);
    }

    if (ExtraPrompts.From(args) is { Count: > 0 } prompts)
    {
        mcp.WithPrompts(prompts);
    }
}
