using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

// The floor under the gateway's pass-through row: the MCP C# SDK's Streamable HTTP server on Kestrel, answering each
// tools/list and tools/call by asking one SDK client (HttpClient, Streamable HTTP) of the upstream, with no code of
// the gateway's: no routing by connector, checks, audit or log line. The gateway serves with the same SDK, the same
// session mode and the same client. Usage: --listen URL --upstream URL.
var listen = Argument("--listen");
var upstreamUrl = new Uri(Argument("--upstream"));

await using var upstream = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
{
    Endpoint = upstreamUrl,
    TransportMode = HttpTransportMode.StreamableHttp,
}));

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
