using ModelContextProtocol.Client;
using Portcullis.Core.Relay;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Pins;

/// <summary>
/// Lists an upstream's resources, resource templates and prompts that a connector's allow-lists cover, as pinned
/// definitions: what <c>pin</c> records and what <c>serve</c> compares with the pins before it lets one through. One the
/// MCP client cannot read is listed as not I-JSON, so <c>pin</c> reports it and pins the others. Each list is held to
/// <c>limits.max_result_bytes</c> as the tool list is.
/// </summary>
internal static class PassthroughDefinitions
{
    public static async Task<IReadOnlyList<LiveDefinition>> ListAsync(McpClient client, ConnectorPolicy policy, long limit, CancellationToken cancellationToken)
    {
        var found = new List<LiveDefinition>();
        var capabilities = client.ServerCapabilities;
        if (policy.OffersResources && capabilities?.Resources is not null)
        {
            found.AddRange(await ResourcesAsync(client, policy, limit, cancellationToken).ConfigureAwait(false));
            found.AddRange(await TemplatesAsync(client, policy, limit, cancellationToken).ConfigureAwait(false));
        }

        if (policy.OffersPrompts && capabilities?.Prompts is not null)
        {
            found.AddRange(await PromptsAsync(client, policy, limit, cancellationToken).ConfigureAwait(false));
        }

        return found;
    }

    public static async Task<IReadOnlyList<LiveDefinition>> ResourcesAsync(McpClient client, ConnectorPolicy policy, long limit, CancellationToken cancellationToken)
    {
        var resources = await ListPage.ReadAllAsync(client, ListKinds.Resources, limit, cancellationToken).ConfigureAwait(false);
        return [.. resources.Where(r => policy.CoversUri(r.Uri)).Select(LiveDefinition.Of)];
    }

    public static async Task<IReadOnlyList<LiveDefinition>> TemplatesAsync(McpClient client, ConnectorPolicy policy, long limit, CancellationToken cancellationToken)
    {
        var templates = await ListPage.ReadAllAsync(client, ListKinds.ResourceTemplates, limit, cancellationToken).ConfigureAwait(false);
        return [.. templates.Where(t => policy.CoversTemplate(t.UriTemplate)).Select(LiveDefinition.Of)];
    }

    public static async Task<IReadOnlyList<LiveDefinition>> PromptsAsync(McpClient client, ConnectorPolicy policy, long limit, CancellationToken cancellationToken)
    {
        var prompts = await ListPage.ReadAllAsync(client, ListKinds.Prompts, limit, cancellationToken).ConfigureAwait(false);
        return [.. prompts.Where(p => policy.CoversPrompt(p.Name)).Select(LiveDefinition.Of)];
    }
}
