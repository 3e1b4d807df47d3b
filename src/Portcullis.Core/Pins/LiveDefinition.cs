using System.Text.Json.Nodes;

namespace Portcullis.Core.Pins;

/// <summary>One definition as the upstream lists it now, under the name (or URI) it is pinned by.</summary>
internal sealed record LiveDefinition(PinKind Kind, string Name, JsonObject Definition)
{
    /// <summary>Why the definition is not I-JSON and so has no digest (<see cref="Definition"/> is then empty), or null.</summary>
    public string? NotIJson { get; init; }

    /// <summary>A tool's definition as a pin records it, or, when it is not I-JSON, why it cannot be pinned.</summary>
    public static LiveDefinition Of(ModelContextProtocol.Protocol.Tool tool) =>
        Tools.ToolDefinitionJson.Problem(tool) is { } problem
            ? new(PinKind.Tool, tool.Name, []) { NotIJson = problem }
            : new(PinKind.Tool, tool.Name, PinnedDefinition.From(tool));
}
