using System.Text.Json.Nodes;

namespace Portcullis.Core.Configuration;

/// <summary>Policy for one upstream tool.</summary>
public sealed class ToolConfig
{
    public List<string> Scopes { get; set; } = [];

    /// <summary>Declares the tool read-only; unknown means write.</summary>
    public bool? ReadOnly { get; set; }

    /// <summary>Explicit opt-in to expose a destructive tool.</summary>
    public bool AllowDestructive { get; set; }

    /// <summary>A JSON Schema overlay that may only tighten the upstream's input schema.</summary>
    public JsonObject? InputSchema { get; set; }

    /// <summary><c>enforce</c> (default) or <c>warn</c> for output schema mismatches.</summary>
    public string OutputSchema { get; set; } = ConfigDefaults.OutputSchema;

    public int? TimeoutSeconds { get; set; }

    public RateLimitConfig? RateLimit { get; set; }

    /// <summary>Human review before each call is sent; required for a tool opted in with <see cref="AllowDestructive"/>.</summary>
    public ToolReviewConfig? Review { get; set; }

    /// <summary>True when calls of this tool wait for a person's approval.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool RequiresReview => Review is { Required: true };
}
