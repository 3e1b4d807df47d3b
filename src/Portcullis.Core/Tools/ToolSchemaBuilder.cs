using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.Tools;

/// <summary>Derives the tool agents see from the upstream's tool and the connector's policy.</summary>
internal sealed class ToolSchemaBuilder
{
    public GatewayTool Build(Tool upstream, ToolConfig? policy)
    {
        var exposed = new Tool
        {
            Name = upstream.Name,
            Title = upstream.Title,
            Description = upstream.Description,
            InputSchema = upstream.InputSchema,
            OutputSchema = upstream.OutputSchema,
            Annotations = upstream.Annotations,
            Icons = upstream.Icons,
            Meta = upstream.Meta,
        };
        var tool = new GatewayTool(upstream, policy, exposed);
        Idempotency.IdempotencyKeySchema.AddTo(tool);
        return tool;
    }
}
