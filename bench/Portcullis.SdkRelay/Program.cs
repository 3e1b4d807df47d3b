using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

// The floor under the gateway's pass-through row: the MCP C# SDK's Streamable HTTP server on Kestrel, answering each
// tools/list and tools/call by asking one SDK client (HttpClient, Streamable HTTP) of the upstream, with no code of
// the gateway's: no routing by connector, checks, audit or log line. The gateway serves with the same SDK, the same
// session mode and the same client. Usage: --listen URL (--upstream URL | --upstream-command COMMAND ARG...): with
// --upstream-command, which takes the rest of the line, the upstream is a child process over stdio, as the gateway's
// stdio connectors start it (the floor under the gateway over stdio).
var listen = Argument("--listen");
IClientTransport transport = args.Contains("--upstream-command")
    ? new StdioClientTransport(new StdioClientTransportOptions
    {
        Command = Argument("--upstream-command"),
        Arguments = [.. args.SkipWhile(a => a != "--upstream-command").Skip(2)],
    })
    : new HttpClientTransport(new HttpClientTransportOptions
    {
        Endpoint = new Uri(Argument("--upstream")),
        TransportMode = HttpTransportMode.StreamableHttp,
    });

await using var upstream = await McpClient.CreateAsync(transport);

var builder = WebApplication.CreateSlimBuilder();
builder.WebHost.UseUrls(listen);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services
    .AddMcpServer(options =>
    {
        options.Handlers.ListToolsHandler = async (request, ct) => await upstream.ListToolsAsync(request.Params ?? new ListToolsRequestParams(), ct);
        options.Handlers.CallToolHandler = async (request, ct) => await upstream.CallToolAsync(request.Params!, ct);
    })
    .WithHttpTransport(options =>
    {
#pragma warning disable MCP9006 // The gateway's session mode, so 2026-07-28 clients are served per request as there.
        options.SessionMode = HttpServerSessionMode.StatefulForInitializeClients;
#pragma warning restore MCP9006
    });

var app = builder.Build();
app.MapMcp("/mcp");
await app.RunAsync();

string Argument(string name) =>
    args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? throw new ArgumentException($"{name} is required.");
