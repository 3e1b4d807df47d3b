using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portcullis.Core.Connectors;
using Portcullis.Core.Relay;
using Portcullis.Core.Security;
using Portcullis.Security;

namespace Portcullis.Downstream;

/// <summary>
/// Gives a session everything beyond tools that the connector's upstream offers and its allow-lists permit:
/// resources, prompts, completions and logging, each request judged for the caller its token names.
/// </summary>
internal sealed class ProtocolHandlers(Passthrough passthrough)
{
    /// <remarks>
    /// A request without a session (<paramref name="sessionless"/>: 2026-07-28 on) is offered no resource subscriptions:
    /// the gateway has no stream to send their updates on (its <c>subscriptions/listen</c> grants nothing), and the SDK,
    /// which withholds the list changes from such a request, passes the <c>subscribe</c> flag on as it is set.
    /// </remarks>
    public void Configure(Connector connector, McpServerOptions options, bool sessionless)
    {
        var upstream = connector.Upstream.Client?.ServerCapabilities;
        var capabilities = options.Capabilities ??= new ServerCapabilities();
        var handlers = options.Handlers;

        // While the upstream is down its capabilities are unknown: offer what policy allows, and let calls
        // answer "unavailable" until it is back.
        if (connector.Policy.OffersResources && (upstream is null || upstream.Resources is not null))
        {
            capabilities.Resources = new ResourcesCapability { Subscribe = !sessionless && (upstream?.Resources?.Subscribe ?? true), ListChanged = true };
            handlers.ListResourcesHandler = (request, ct) => passthrough.ListResourcesAsync(connector, Caller(request), request, ct);
            handlers.ListResourceTemplatesHandler = (request, ct) => passthrough.ListResourceTemplatesAsync(connector, Caller(request), request, ct);
            handlers.ReadResourceHandler = (request, ct) => passthrough.ReadResourceAsync(connector, Caller(request), request, ct);
            if (capabilities.Resources.Subscribe == true)
            {
                handlers.SubscribeToResourcesHandler = (request, ct) => passthrough.SubscribeAsync(connector, Caller(request), request, ct);
                handlers.UnsubscribeFromResourcesHandler = (request, ct) => passthrough.UnsubscribeAsync(connector, Caller(request), request, ct);
            }
        }

        if (connector.Policy.OffersPrompts && (upstream is null || upstream.Prompts is not null))
        {
            capabilities.Prompts = new PromptsCapability { ListChanged = true };
            handlers.ListPromptsHandler = (request, ct) => passthrough.ListPromptsAsync(connector, Caller(request), request, ct);
            handlers.GetPromptHandler = (request, ct) => passthrough.GetPromptAsync(connector, Caller(request), request, ct);
        }

        if ((connector.Policy.OffersPrompts || connector.Policy.OffersResources) && (upstream is null || upstream.Completions is not null))
        {
            capabilities.Completions = new CompletionsCapability();
            handlers.CompleteHandler = (request, ct) => passthrough.CompleteAsync(connector, Caller(request), request, ct);
        }

        if (upstream is null || upstream.Logging is not null)
        {
            capabilities.Logging = new LoggingCapability();
            handlers.SetLoggingLevelHandler = (request, ct) => passthrough.SetLoggingLevelAsync(connector, Caller(request), request, ct);
        }

        capabilities.Tools ??= new ToolsCapability();
        capabilities.Tools.ListChanged = true;
    }

    private static CallerIdentity Caller<TParams>(RequestContext<TParams> request) => CallerIdentities.From(request.User);

    /// <summary>Tracks a stateful session for the lifetime of its run, so notifications can find it.</summary>
    public static async Task RunSessionAsync(Connector connector, McpServer session, CancellationToken cancellationToken)
    {
        if (session.SessionId is null)
        {
            await session.RunAsync(cancellationToken);
            return;
        }

        connector.Relay.Open(session);
        try
        {
            await session.RunAsync(cancellationToken);
        }
        finally
        {
            connector.Relay.Close(session);
        }
    }
}
