using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Relay;

/// <summary>Resources: lists filtered by <c>resources_allow</c>, reads and subscriptions only for covered URIs.</summary>
internal sealed partial class Passthrough
{
    public ValueTask<ListResourcesResult> ListResourcesAsync(Connector connector, RequestContext<ListResourcesRequestParams> request, CancellationToken cancellationToken) =>
        ForwardAsync(connector, request, RequestMethods.ResourcesList, async (client, ct) =>
        {
            var page = await client.ListResourcesAsync(new ListResourcesRequestParams { Cursor = request.Params?.Cursor }, ct).ConfigureAwait(false);
            return new ListResourcesResult { Resources = [.. page.Resources.Where(r => connector.Policy.AllowsUri(r.Uri))], NextCursor = page.NextCursor };
        }, cancellationToken);

    public ValueTask<ListResourceTemplatesResult> ListResourceTemplatesAsync(Connector connector, RequestContext<ListResourceTemplatesRequestParams> request, CancellationToken cancellationToken) =>
        ForwardAsync(connector, request, RequestMethods.ResourcesTemplatesList, async (client, ct) =>
        {
            var page = await client.ListResourceTemplatesAsync(new ListResourceTemplatesRequestParams { Cursor = request.Params?.Cursor }, ct).ConfigureAwait(false);
            return new ListResourceTemplatesResult
            {
                ResourceTemplates = [.. page.ResourceTemplates.Where(t => connector.Policy.AllowsTemplate(t.UriTemplate))],
                NextCursor = page.NextCursor,
            };
        }, cancellationToken);

    public ValueTask<ReadResourceResult> ReadResourceAsync(Connector connector, RequestContext<ReadResourceRequestParams> request, CancellationToken cancellationToken)
    {
        var uri = request.Params?.Uri;
        return AuditedAsync(connector, request, RequestMethods.ResourcesRead, uri ?? "", null, connector.Policy.AllowsUri(uri), () => ForwardAsync(connector, request, RequestMethods.ResourcesRead, async (client, ct) =>
        {
            try
            {
                var read = await client.ReadResourceAsync(new ReadResourceRequestParams { Uri = uri! }, ct).ConfigureAwait(false);
                return new ReadResourceResult { Contents = read.Contents };
            }
            catch (McpProtocolException ex) when (ex.ErrorCode is McpErrorCode.ResourceNotFound or McpErrorCode.InvalidParams)
            {
                throw new ResourceMissingException();
            }
        }, cancellationToken), () => ResourceNotFound(request.Server, uri));
    }

    public async ValueTask<EmptyResult> SubscribeAsync(Connector connector, RequestContext<SubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        var uri = request.Params?.Uri;
        RequireResource(connector, request.Server, uri);
        var session = Session(connector, request.Server);
        if (session.Subscribe(uri!) && !connector.Relay.Sessions.Any(s => s != session && s.IsSubscribed(uri!)))
        {
            try
            {
                await ForwardAsync(connector, request, RequestMethods.ResourcesSubscribe, async (client, ct) =>
                {
                    await client.SubscribeToResourceAsync(new SubscribeRequestParams { Uri = uri! }, ct).ConfigureAwait(false);
                    return new EmptyResult();
                }, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                session.Unsubscribe(uri!);
                throw;
            }
        }

        return new EmptyResult();
    }

    public async ValueTask<EmptyResult> UnsubscribeAsync(Connector connector, RequestContext<UnsubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        var uri = request.Params?.Uri;
        RequireResource(connector, request.Server, uri);
        var session = Session(connector, request.Server);
        if (session.Unsubscribe(uri!) && !connector.Relay.Sessions.Any(s => s.IsSubscribed(uri!)))
        {
            await ForwardAsync(connector, request, RequestMethods.ResourcesUnsubscribe, async (client, ct) =>
            {
                await client.UnsubscribeFromResourceAsync(new UnsubscribeRequestParams { Uri = uri! }, ct).ConfigureAwait(false);
                return new EmptyResult();
            }, cancellationToken).ConfigureAwait(false);
        }

        return new EmptyResult();
    }
}
