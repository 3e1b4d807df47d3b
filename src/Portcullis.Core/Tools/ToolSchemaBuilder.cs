using System.Text.Json;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Schemas;

namespace Portcullis.Core.Tools;

/// <summary>Derives the tool agents see from the upstream's tool and the connector's policy.</summary>
internal sealed class ToolSchemaBuilder(SchemaCache cache)
{
    /// <summary>
    /// The tool with its effective input schema (the upstream's, tightened by the config's overlay) and the hints the
    /// gateway enforces; <paramref name="hintsPinned"/> when its definition matches a reviewed pin.
    /// </summary>
    public GatewayTool Build(Tool upstream, ToolConfig? policy, bool hintsPinned)
    {
        var input = SchemaOverlay.Merge(upstream.InputSchema, policy?.InputSchema);
        var exposed = new Tool
        {
            Name = upstream.Name,
            Title = upstream.Title,
            Description = upstream.Description,
            InputSchema = input.Schema,
            // Admits the error envelope too, so clients that validate structured results can read the gateway's errors.
            OutputSchema = upstream.OutputSchema is { } output ? AdvertisedOutputSchema.Widen(output) : null,
            Annotations = GatewayTool.EnforcedAnnotations(upstream, policy, hintsPinned),
            Icons = upstream.Icons,
            Meta = upstream.Meta,
        };
        var tool = new GatewayTool(upstream, policy, exposed, hintsPinned) { OverlayProblems = input.Problems };
        Idempotency.IdempotencyKeySchema.AddTo(tool);
        return tool;
    }

    /// <summary>
    /// Compiles the exposed input schema (what calls are validated against) and the upstream's own output schema
    /// (what its results are checked against, without the error envelope agents also see), once per version;
    /// returns why the tool cannot be offered, or null.
    /// </summary>
    public string? Compile(string connector, GatewayTool tool)
    {
        var input = cache.GetOrCompile(connector, tool.Name, "input", tool.Exposed.InputSchema);
        if (input.Schema is null)
        {
            return "inputSchema: " + input.Failure;
        }

        tool.InputValidator = input.Schema;
        if (KeySchema(tool) is { } keySchema)
        {
            var key = cache.GetOrCompile(connector, tool.Name, "key", keySchema);
            if (key.Schema is null)
            {
                return "inputSchema: " + key.Failure;
            }

            tool.KeyValidator = key.Schema;
        }

        if (tool.Upstream.OutputSchema is { } outputSchema)
        {
            var output = cache.GetOrCompile(connector, tool.Name, "output", outputSchema);
            if (output.Schema is null)
            {
                return "outputSchema: " + output.Failure;
            }

            tool.OutputValidator = output.Schema;
        }

        return null;
    }

    /// <summary>
    /// <c>{"properties": {"idempotency_key": …}}</c> with the key's exposed schema, for a write whose upstream does not
    /// declare the key (it is stripped before forwarding); null otherwise.
    /// </summary>
    private static JsonElement? KeySchema(GatewayTool tool) =>
        !tool.ReadOnly && !Idempotency.IdempotencyKeySchema.UpstreamDeclares(tool)
        && tool.Exposed.InputSchema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
        && properties.TryGetProperty(Idempotency.IdempotencyKeySchema.PropertyName, out var key)
            ? JsonSerializer.SerializeToElement(
                new Dictionary<string, JsonElement> { ["properties"] = JsonSerializer.SerializeToElement(new Dictionary<string, JsonElement> { [Idempotency.IdempotencyKeySchema.PropertyName] = key }, SchemaJsonContext.Default.IDictionaryStringJsonElement) },
                SchemaJsonContext.Default.IDictionaryStringJsonElement)
            : null;
}
