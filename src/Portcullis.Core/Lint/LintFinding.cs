using System.Text.Json.Nodes;

namespace Portcullis.Core.Lint;

/// <summary>
/// One finding: its rule, where it is (a JSONPath into the config, and the connector and tool when there are),
/// what is wrong, and how to fix it — in words, and as a config fragment where one helps.
/// </summary>
internal sealed record LintFinding(LintRule Rule, string Path, string Message)
{
    public string? Connector { get; init; }

    public string? Tool { get; init; }

    public string? Fix { get; init; }

    /// <summary>A fragment of config, placed at <see cref="SnippetAt"/>, that resolves the finding.</summary>
    public JsonNode? Snippet { get; init; }

    /// <summary>The JSONPath of the object <see cref="Snippet"/> belongs in.</summary>
    public string? SnippetAt { get; init; }

    public string Id => Rule.Id;

    public LintSeverity Severity => Rule.Severity;
}
