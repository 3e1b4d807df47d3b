using System.Text.Json.Serialization;

namespace Portcullis.Fixtures.Upstream;

/// <summary>The declared output of the <c>typed</c> and <c>typed_write</c> tools: their outputSchema says count is an integer.</summary>
internal sealed class TypedOutput
{
    [JsonPropertyName("count")]
    [JsonRequired]
    public int Count { get; init; }
}
