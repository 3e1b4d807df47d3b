using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Relay;

/// <summary>
/// Forwards resources, prompts, completions and logging requests to a connector's upstream under its
/// allow-lists. What is not allowed is absent from lists and answers exactly as unknown.
/// </summary>
internal sealed class Passthrough(ILogger<Passthrough> logger)
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
        RequireResource(connector, request.Server, uri);
        return ForwardAsync(connector, request, RequestMethods.ResourcesRead, async (client, ct) =>
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
        }, cancellationToken);
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

    public ValueTask<ListPromptsResult> ListPromptsAsync(Connector connector, RequestContext<ListPromptsRequestParams> request, CancellationToken cancellationToken) =>
        ForwardAsync(connector, request, RequestMethods.PromptsList, async (client, ct) =>
        {
            var page = await client.ListPromptsAsync(new ListPromptsRequestParams { Cursor = request.Params?.Cursor }, ct).ConfigureAwait(false);
            return new ListPromptsResult { Prompts = [.. page.Prompts.Where(p => connector.Policy.AllowsPrompt(p.Name))], NextCursor = page.NextCursor };
        }, cancellationToken);

    public ValueTask<GetPromptResult> GetPromptAsync(Connector connector, RequestContext<GetPromptRequestParams> request, CancellationToken cancellationToken)
    {
        var name = request.Params?.Name;
        if (!connector.Policy.AllowsPrompt(name))
        {
            throw new McpProtocolException(SafeMessage(McpErrorCode.InvalidParams), McpErrorCode.InvalidParams);
        }

        return ForwardAsync(connector, request, RequestMethods.PromptsGet, async (client, ct) =>
        {
            var prompt = await client.GetPromptAsync(new GetPromptRequestParams { Name = name!, Arguments = request.Params?.Arguments }, ct).ConfigureAwait(false);
            return new GetPromptResult { Description = prompt.Description, Messages = prompt.Messages };
        }, cancellationToken);
    }

    public ValueTask<CompleteResult> CompleteAsync(Connector connector, RequestContext<CompleteRequestParams> request, CancellationToken cancellationToken)
    {
        var allowed = request.Params?.Ref switch
        {
            PromptReference prompt => connector.Policy.AllowsPrompt(prompt.Name),
            ResourceTemplateReference resource => connector.Policy.AllowsTemplate(resource.Uri) || connector.Policy.AllowsUri(resource.Uri),
            _ => false,
        };
        if (!allowed)
        {
            throw new McpProtocolException(SafeMessage(McpErrorCode.InvalidParams), McpErrorCode.InvalidParams);
        }

        return ForwardAsync(connector, request, RequestMethods.CompletionComplete, async (client, ct) =>
        {
            var answer = await client.CompleteAsync(new CompleteRequestParams { Ref = request.Params!.Ref, Argument = request.Params.Argument, Context = request.Params.Context }, ct).ConfigureAwait(false);
            return new CompleteResult { Completion = answer.Completion };
        }, cancellationToken);
    }

    /// <summary>
    /// The downstream level filters what this client receives; the upstream, shared by all clients, is set
    /// to the most verbose level any open session asked for.
    /// </summary>
    public ValueTask<EmptyResult> SetLoggingLevelAsync(Connector connector, RequestContext<SetLevelRequestParams> request, CancellationToken cancellationToken)
    {
        var requested = request.Params?.Level ?? LoggingLevel.Info;
        var level = connector.Relay.MostVerboseLevel() is { } verbose && verbose < requested ? verbose : requested;
        return ForwardAsync(connector, request, RequestMethods.LoggingSetLevel, async (client, ct) =>
        {
            await client.SetLoggingLevelAsync(new SetLevelRequestParams { Level = level }, ct).ConfigureAwait(false);
            return new EmptyResult();
        }, cancellationToken);
    }

    private static void RequireResource(Connector connector, McpServer downstream, string? uri)
    {
        if (!connector.Policy.AllowsUri(uri))
        {
            throw ResourceNotFound(downstream, uri);
        }
    }

    /// <summary>
    /// The same answer whether the upstream lacks the resource or policy hides it: -32002 for clients of
    /// 2025-11-25 and earlier, -32602 from 2026-07-28 (SEP-2164), with the URI in the error data.
    /// </summary>
    private static McpProtocolException ResourceNotFound(McpServer downstream, string? uri)
    {
        var code = string.CompareOrdinal(downstream.NegotiatedProtocolVersion, "2026-07-28") >= 0 ? McpErrorCode.InvalidParams : McpErrorCode.ResourceNotFound;
        var error = new McpProtocolException($"Resource not found: '{uri}'", code);
        error.Data["uri"] = uri;
        return error;
    }

    private static DownstreamSession Session(Connector connector, McpServer server) =>
        connector.Relay.TryGetSession(server.SessionId, out var session)
            ? session
            : throw new McpProtocolException("Resource subscriptions need a session (protocol 2025-11-25 or earlier over a stateful transport).", McpErrorCode.InvalidRequest);

    private async ValueTask<T> ForwardAsync<TParams, T>(
        Connector connector,
        RequestContext<TParams> request,
        string method,
        Func<McpClient, CancellationToken, Task<T>> forward,
        CancellationToken cancellationToken)
        where TParams : RequestParams
    {
        if (connector.Upstream.Client is not { } client)
        {
            throw new McpException("The upstream server is not reachable right now; retry shortly.");
        }

        using var call = connector.Relay.Begin(request.Server, request.Params?.ProgressToken);
        try
        {
            return await forward(client, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceMissingException)
        {
            throw ResourceNotFound(request.Server, (request.Params as ReadResourceRequestParams)?.Uri);
        }
        catch (McpProtocolException ex)
        {
            // The upstream's code passes through; its message may name internals, so the gateway writes its own.
            Log.RelayUpstreamRefused(logger, connector.Name, method, (int)ex.ErrorCode);
            throw new McpProtocolException(SafeMessage(ex.ErrorCode), ex.ErrorCode);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.RelayForwardFailed(logger, connector.Name, method, ex);
            throw new McpException("The upstream server is not reachable right now; retry shortly.");
        }
    }

    private static string SafeMessage(McpErrorCode code) => code switch
    {
        McpErrorCode.ResourceNotFound => "Resource not found.",
        McpErrorCode.InvalidParams => "Invalid parameters.",
        McpErrorCode.MethodNotFound => "The upstream server does not offer this method.",
        _ => "The upstream server rejected the request.",
    };
}
