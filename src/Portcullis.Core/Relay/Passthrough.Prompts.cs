using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portcullis.Core.Connectors;
using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Security;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Relay;

/// <summary>Prompts, completions and logging levels.</summary>
internal sealed partial class Passthrough
{
    public ValueTask<ListPromptsResult> ListPromptsAsync(Connector connector, CallerIdentity caller, RequestContext<ListPromptsRequestParams> request, CancellationToken cancellationToken) =>
        ForwardAsync(connector, caller, request, RequestMethods.PromptsList, ConnectorPolicy.DefaultTimeout, async (client, relayed, ct) =>
        {
            var page = await ListPage.ReadAsync(client, ListKinds.Prompts, request.Params?.Cursor, ct).ConfigureAwait(false);
            var twice = Twice(page.Prompts, p => p.Name);
            return new ListPromptsResult { Prompts = [.. page.Prompts.Where(p => connector.Policy.AllowsPrompt(p.Name, caller) && Admits(connector, p, twice))], NextCursor = page.NextCursor };
        }, cancellationToken);

    public ValueTask<GetPromptResult> GetPromptAsync(Connector connector, CallerIdentity caller, RequestContext<GetPromptRequestParams> request, CancellationToken cancellationToken)
    {
        var name = request.Params?.Name;
        var audit = BeginAudit(connector, caller, request, RequestMethods.PromptsGet, null, name ?? "");
        if (!connector.Policy.AllowsPrompt(name, caller))
        {
            using (audit)
            {
                audit.Ended(CallStage.Authorize, new GatewayError(ErrorCatalog.NotFound, "No such prompt for this caller."), upstreamReached: false);
                throw new McpProtocolException(SafeMessage(McpErrorCode.InvalidParams), McpErrorCode.InvalidParams);
            }
        }

        return GetAsync(connector, caller, request, name!, audit, cancellationToken);
    }

    private async ValueTask<GetPromptResult> GetAsync(Connector connector, CallerIdentity caller, RequestContext<GetPromptRequestParams> request, string name, AuditedRequest audit, CancellationToken cancellationToken)
    {
        using (audit)
        {
            return await ForwardAsync(connector, caller, request, RequestMethods.PromptsGet, connector.Policy.PromptTimeout(name), async (client, relayed, ct) =>
            {
                await RequirePinnedPromptAsync(connector, client, name, ct).ConfigureAwait(false);
                var prompt = await client.GetPromptAsync(new GetPromptRequestParams { Name = name, Arguments = request.Params?.Arguments, Meta = relayed.UpstreamMeta() }, ct).ConfigureAwait(false);
                return new GetPromptResult { Description = prompt.Description, Messages = prompt.Messages };
            }, cancellationToken, audit).ConfigureAwait(false);
        }
    }

    public ValueTask<CompleteResult> CompleteAsync(Connector connector, CallerIdentity caller, RequestContext<CompleteRequestParams> request, CancellationToken cancellationToken)
    {
        var policy = connector.Policy;
        var (allowed, timeout) = request.Params?.Ref switch
        {
            PromptReference prompt => (policy.AllowsPrompt(prompt.Name, caller), prompt.Name is null ? ConnectorPolicy.DefaultTimeout : policy.PromptTimeout(prompt.Name)),
            ResourceTemplateReference { Uri: { } uri } => (policy.AllowsTemplate(uri, caller) || policy.AllowsUri(uri, caller), policy.ResourceTimeout(uri)),
            _ => (false, ConnectorPolicy.DefaultTimeout),
        };
        if (!allowed)
        {
            throw new McpProtocolException(SafeMessage(McpErrorCode.InvalidParams), McpErrorCode.InvalidParams);
        }

        return ForwardAsync(connector, caller, request, RequestMethods.CompletionComplete, timeout, async (client, relayed, ct) =>
        {
            // Completing an argument of a withheld prompt or template would pass on the upstream's words for what the gateway withholds.
            await (request.Params!.Ref switch
            {
                PromptReference { Name: { } prompt } => RequirePinnedPromptAsync(connector, client, prompt, ct),
                ResourceTemplateReference { Uri: { } uri } => RequirePinnedTemplateAsync(connector, client, uri, ct),
                _ => Task.CompletedTask,
            }).ConfigureAwait(false);
            var answer = await client.CompleteAsync(new CompleteRequestParams { Ref = request.Params!.Ref, Argument = request.Params.Argument, Context = request.Params.Context, Meta = relayed.UpstreamMeta() }, ct).ConfigureAwait(false);
            return new CompleteResult { Completion = answer.Completion };
        }, cancellationToken);
    }

    /// <summary>
    /// The session's level filters what its client receives, on every replica (<see cref="SessionLogLevels"/>); the
    /// upstream, shared by all clients, is set to the most verbose level any open session on this replica asked for.
    /// </summary>
    public async ValueTask<EmptyResult> SetLoggingLevelAsync(Connector connector, CallerIdentity caller, RequestContext<SetLevelRequestParams> request, CancellationToken cancellationToken)
    {
        var requested = request.Params?.Level ?? LoggingLevel.Info;
        var level = connector.Relay.MostVerboseLevel() is { } verbose && verbose < requested ? verbose : requested;
        var answer = await ForwardAsync(connector, caller, request, RequestMethods.LoggingSetLevel, ConnectorPolicy.DefaultTimeout, async (client, relayed, ct) =>
        {
            await client.SetLoggingLevelAsync(new SetLevelRequestParams { Level = level }, ct).ConfigureAwait(false);
            return new EmptyResult();
        }, cancellationToken).ConfigureAwait(false);
        if (request.Server.SessionId is { } sessionId && connector.Relay.Levels is { } levels)
        {
            await levels.RecordAsync(sessionId, requested, cancellationToken).ConfigureAwait(false);
        }

        return answer;
    }
}
