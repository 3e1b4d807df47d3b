using System.Security.Claims;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portcullis.Core.Connectors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Security;
using Portcullis.Core.Tools;
using Portcullis.Security;

namespace Portcullis.Downstream;

/// <summary>Gives each MCP session the handlers of the connector its URL names.</summary>
internal sealed class McpSessionSetup(ConnectorRegistry connectors, ToolCallPipeline pipeline, ToolListing listing)
{
    // Read once: with 2026-07-28 clients the SDK configures a fresh server for every request.
    private static readonly string Version = typeof(McpSessionSetup).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public Task ConfigureAsync(HttpContext http, McpServerOptions options, CancellationToken cancellationToken)
    {
        var name = http.GetRouteValue("server") as string;
        if (name is null || !connectors.TryGet(name, out var connector))
        {
            throw new InvalidOperationException("MCP session without a known connector; the 404 middleware should have answered.");
        }

        options.ServerInfo = new Implementation { Name = connector.Name, Version = Version };
        options.Capabilities ??= new ServerCapabilities();
        options.Capabilities.Tools = new ToolsCapability();
        options.Handlers.ListToolsHandler = (request, _) =>
            ValueTask.FromResult(listing.List(connector, Caller(request.User)));
        options.Handlers.CallToolHandler = (request, ct) =>
        {
            var context = new ToolCallContext(connector, Caller(request.User), request.Params?.Name ?? "", request.Params?.Arguments, CorrelationIds.Next());
            return pipeline.InvokeAsync(context, ct);
        };
        return Task.CompletedTask;
    }

    private static CallerIdentity Caller(ClaimsPrincipal? user) => CallerIdentities.From(user);
}
