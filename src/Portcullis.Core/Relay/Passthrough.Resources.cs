using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Security;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Relay;

/// <summary>Resources: lists filtered by <c>resources_allow</c> and scopes, reads and subscriptions only for covered URIs.</summary>
internal sealed partial class Passthrough
{
    public ValueTask<ListResourcesResult> ListResourcesAsync(Connector connector, CallerIdentity caller, RequestContext<ListResourcesRequestParams> request, CancellationToken cancellationToken) =>
        ForwardAsync(connector, caller, request, RequestMethods.ResourcesList, ConnectorPolicy.DefaultTimeout, async (client, relayed, ct) =>
        {
            var page = await ListPage.ReadAsync(client, ListKinds.Resources, request.Params?.Cursor, ct).ConfigureAwait(false);
            var twice = Twice(page.Resources, r => r.Uri);
            return new ListResourcesResult { Resources = [.. page.Resources.Where(r => connector.Policy.AllowsUri(r.Uri, caller) && Admits(connector, r, twice))], NextCursor = page.NextCursor };
        }, cancellationToken);

    public ValueTask<ListResourceTemplatesResult> ListResourceTemplatesAsync(Connector connector, CallerIdentity caller, RequestContext<ListResourceTemplatesRequestParams> request, CancellationToken cancellationToken) =>
        ForwardAsync(connector, caller, request, RequestMethods.ResourcesTemplatesList, ConnectorPolicy.DefaultTimeout, async (client, relayed, ct) =>
        {
            var page = await ListPage.ReadAsync(client, ListKinds.ResourceTemplates, request.Params?.Cursor, ct).ConfigureAwait(false);
            var twice = Twice(page.ResourceTemplates, t => t.UriTemplate);
            return new ListResourceTemplatesResult
            {
                ResourceTemplates = [.. page.ResourceTemplates.Where(t => connector.Policy.AllowsTemplate(t.UriTemplate, caller) && Admits(connector, t, twice))],
                NextCursor = page.NextCursor,
            };
        }, cancellationToken);

    public ValueTask<ReadResourceResult> ReadResourceAsync(Connector connector, CallerIdentity caller, RequestContext<ReadResourceRequestParams> request, CancellationToken cancellationToken)
    {
        var uri = request.Params?.Uri;
        var audit = BeginAudit(connector, caller, request, RequestMethods.ResourcesRead, uri ?? "", null);
        if (!connector.Policy.AllowsUri(uri, caller))
        {
            using (audit)
            {
                audit.Ended(CallStage.Authorize, new GatewayError(ErrorCatalog.NotFound, "No such resource for this caller."), upstreamReached: false);
                throw ResourceNotFound(request.Server, uri);
            }
        }

        return ReadAsync(connector, caller, request, uri!, audit, cancellationToken);
    }

    private async ValueTask<ReadResourceResult> ReadAsync(Connector connector, CallerIdentity caller, RequestContext<ReadResourceRequestParams> request, string uri, AuditedRequest audit, CancellationToken cancellationToken)
    {
        using (audit)
        {
            return await ForwardAsync(connector, caller, request, RequestMethods.ResourcesRead, connector.Policy.ResourceTimeout(uri), async (client, relayed, ct) =>
            {
                await RequirePinnedResourceAsync(connector, client, uri, ct).ConfigureAwait(false);
                try
                {
                    var read = await client.ReadResourceAsync(new ReadResourceRequestParams { Uri = uri, Meta = relayed.UpstreamMeta() }, ct).ConfigureAwait(false);
                    return new ReadResourceResult { Contents = read.Contents };
                }
                catch (McpProtocolException ex) when (ex.ErrorCode is McpErrorCode.ResourceNotFound or McpErrorCode.InvalidParams)
                {
                    throw new ResourceMissingException();
                }
            }, cancellationToken, audit).ConfigureAwait(false);
        }
    }

    public async ValueTask<EmptyResult> SubscribeAsync(Connector connector, CallerIdentity caller, RequestContext<SubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        var uri = request.Params?.Uri;
        RequireResource(connector, caller, request.Server, uri);
        var session = Session(connector, request.Server);
        if (session.AtSubscriptionLimit(uri!))
        {
            throw new McpProtocolException(
                $"This session is subscribed to {DownstreamSession.MaxSubscriptions} resources, the most one session may hold; unsubscribe from one before subscribing to another.",
                McpErrorCode.InvalidRequest);
        }

        var subscribed = false;
        try
        {
            if (connector.Pins.Current is not null)
            {
                // As a read: what a read is refused (withheld, unknown) is refused here, before any update of it can reach this session.
                await ForwardAsync(connector, caller, request, RequestMethods.ResourcesSubscribe, connector.Policy.ResourceTimeout(uri!), async (client, relayed, ct) =>
                {
                    await RequirePinnedResourceAsync(connector, client, uri!, ct).ConfigureAwait(false);
                    subscribed = session.Subscribe(uri!);
                    if (subscribed && !connector.Relay.Sessions.Any(s => s != session && s.IsSubscribed(uri!)))
                    {
                        await client.SubscribeToResourceAsync(new SubscribeRequestParams { Uri = uri! }, ct).ConfigureAwait(false);
                    }

                    return new EmptyResult();
                }, cancellationToken).ConfigureAwait(false);
            }
            else if ((subscribed = session.Subscribe(uri!)) && !connector.Relay.Sessions.Any(s => s != session && s.IsSubscribed(uri!)))
            {
                await ForwardAsync(connector, caller, request, RequestMethods.ResourcesSubscribe, connector.Policy.ResourceTimeout(uri!), async (client, relayed, ct) =>
                {
                    await client.SubscribeToResourceAsync(new SubscribeRequestParams { Uri = uri! }, ct).ConfigureAwait(false);
                    return new EmptyResult();
                }, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            if (subscribed)
            {
                session.Unsubscribe(uri!);
            }

            throw;
        }

        if (subscriptions is not null)
        {
            await subscriptions.RecordAsync(request.Server.SessionId!, uri!, subscribed: true, cancellationToken).ConfigureAwait(false);
        }

        return new EmptyResult();
    }

    public async ValueTask<EmptyResult> UnsubscribeAsync(Connector connector, CallerIdentity caller, RequestContext<UnsubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        var uri = request.Params?.Uri;
        RequireResource(connector, caller, request.Server, uri);
        var session = Session(connector, request.Server);
        var unsubscribed = session.Unsubscribe(uri!);
        if (subscriptions is not null)
        {
            await subscriptions.RecordAsync(request.Server.SessionId!, uri!, subscribed: false, cancellationToken).ConfigureAwait(false);
        }

        if (unsubscribed && !connector.Relay.Sessions.Any(s => s.IsSubscribed(uri!)))
        {
            await ForwardAsync(connector, caller, request, RequestMethods.ResourcesUnsubscribe, connector.Policy.ResourceTimeout(uri!), async (client, relayed, ct) =>
            {
                await client.UnsubscribeFromResourceAsync(new UnsubscribeRequestParams { Uri = uri! }, ct).ConfigureAwait(false);
                return new EmptyResult();
            }, cancellationToken).ConfigureAwait(false);
        }

        return new EmptyResult();
    }

    /// <summary>
    /// The session's event stream opened here: holds again the subscriptions its client made where its stream was before
    /// (another replica, this gateway before a restart), those its caller may still see and, with pins on, whose resource
    /// the pins here admit (as a subscribe), within the session's limit. A
    /// resource no other session here is subscribed to is subscribed upstream; while the upstream is down, its next
    /// connection is told (<see cref="ConnectorRelay.ResubscribeAsync"/>). Never throws; what fails is logged.
    /// </summary>
    public async Task RestoreSubscriptionsAsync(Connector connector, CallerIdentity caller, string sessionId, CancellationToken cancellationToken)
    {
        if (subscriptions is null || !connector.Relay.TryGetSession(sessionId, out var session))
        {
            return;
        }

        var restored = 0;
        var skipped = 0;
        foreach (var uri in await subscriptions.ReadAsync(sessionId, cancellationToken).ConfigureAwait(false))
        {
            if (session.IsSubscribed(uri))
            {
                continue;
            }

            if (!connector.Policy.AllowsUri(uri, caller) || session.AtSubscriptionLimit(uri))
            {
                skipped++;
                continue;
            }

            // Checked as a subscribe is: the pins here may differ from where the client subscribed (another lock file, one
            // reloaded since), and a resource withheld here is neither held for the session nor subscribed upstream.
            if (connector.Pins.Current is not null && await PinRefusalAsync(connector, uri, cancellationToken).ConfigureAwait(false) is { } refusal)
            {
                skipped++;
                Log.SessionSubscriptionWithheld(logger, connector.Name, LogText.Safe(sessionId), LogText.Safe(uri, 1024), refusal);
                continue;
            }

            if (!session.Subscribe(uri))
            {
                continue;
            }

            restored++;
            if (connector.Relay.Sessions.Any(s => s != session && s.IsSubscribed(uri)) || connector.Upstream.Client is not { } client)
            {
                continue;
            }

            if (await connector.Relay.SubscribeUpstreamAsync(client, uri, connector.Policy.ResourceTimeout(uri), cancellationToken).ConfigureAwait(false) is { } failure)
            {
                // Kept with the session: an update the upstream sends anyway still reaches it, and a new connection is told.
                Log.SessionSubscriptionNotRestored(logger, connector.Name, LogText.Safe(sessionId), LogText.Safe(uri), failure);
            }
        }

        if (restored > 0 || skipped > 0)
        {
            Log.SessionSubscriptionsRestored(logger, connector.Name, LogText.Safe(sessionId), restored, skipped);
        }
    }
}
