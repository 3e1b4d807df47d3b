using System.IO.Pipelines;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Tests.Upstreams;

/// <summary>
/// An MCP server in this process whose tool list comes from a handler of the test's, announcing list changes, and a
/// supervisor of it over in-memory pipes (not yet running): for the tests of how the supervisor lists tools.
/// </summary>
internal sealed class InMemoryUpstream : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();
    private Task _serving = Task.CompletedTask;

    public McpServer Server { get; private set; } = null!;

    public UpstreamSupervisor Supervisor { get; private set; } = null!;

    public static InMemoryUpstream Start(McpRequestHandler<ListToolsRequestParams, ListToolsResult> listTools, TimeSpan listTimeout)
    {
        var upstream = new InMemoryUpstream();
        var options = new McpServerOptions
        {
            Capabilities = new ServerCapabilities { Tools = new ToolsCapability { ListChanged = true } },
            Handlers = new McpServerHandlers { ListToolsHandler = listTools },
        };
        upstream.Server = McpServer.Create(new StreamServerTransport(upstream._toServer.Reader.AsStream(), upstream._toClient.Writer.AsStream()), options);
        upstream._serving = upstream.Server.RunAsync(CancellationToken.None);
        upstream.Supervisor = new UpstreamSupervisor("crm",
            () => new StreamClientTransport(upstream._toServer.Writer.AsStream(), upstream._toClient.Reader.AsStream()),
            TimeProvider.System, NullLoggerFactory.Instance, listTimeout: listTimeout);
        return upstream;
    }

    public async ValueTask DisposeAsync()
    {
        _toServer.Writer.Complete();
        await _serving.WaitAsync(Wait).ContinueWith(_ => { }, TaskScheduler.Default);
        await Server.DisposeAsync();
    }
}
