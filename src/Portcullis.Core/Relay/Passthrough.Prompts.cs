using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Relay;

/// <summary>Prompts, completions and logging levels.</summary>
internal sealed partial class Passthrough
{
    public ValueTask<ListPromptsResult> ListPromptsAsync(Connector connector, RequestContext<ListPromptsRequestParams> request, CancellationToken cancellationToken) =>
        ForwardAsync(connector, request, RequestMethods.PromptsList, async (client, ct) =>
        {
            var page = await client.ListPromptsAsync(new ListPromptsRequestParams { Cursor = request.Params?.Cursor }, ct).ConfigureAwait(false);
            return new ListPromptsResult { Prompts = [.. page.Prompts.Where(p => connector.Policy.AllowsPrompt(p.Name))], NextCursor = page.NextCursor };
        }, cancellationToken);

    public ValueTask<GetPromptResult> GetPromptAsync(Connector connector, RequestContext<GetPromptRequestParams> request, CancellationToken cancellationToken)
    {
        var name = request.Params?.Name;
        return AuditedAsync(connector, request, RequestMethods.PromptsGet, null, name ?? "", connector.Policy.AllowsPrompt(name), () => ForwardAsync(connector, request, RequestMethods.PromptsGet, async (client, ct) =>
        {
            var prompt = await client.GetPromptAsync(new GetPromptRequestParams { Name = name!, Arguments = request.Params?.Arguments }, ct).ConfigureAwait(false);
            return new GetPromptResult { Description = prompt.Description, Messages = prompt.Messages };
        }, cancellationToken), () => new McpProtocolException(SafeMessage(McpErrorCode.InvalidParams), McpErrorCode.InvalidParams));
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
}
