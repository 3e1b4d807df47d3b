using Portcullis.Core.Configuration;

namespace Portcullis.Core.Lint;

/// <summary>One connector under lint: its config, where it sits in the file, its allowed tools and its live catalog.</summary>
internal sealed class LintConnector
{
    public required int Index { get; init; }

    public required ConnectorConfig Config { get; init; }

    public required IReadOnlyList<LintTool> Tools { get; init; }

    /// <summary>The live catalog; null when the upstreams were not listed.</summary>
    public LiveCatalog? Live { get; init; }

    public string Name => Config.Server;

    /// <summary>The connector's JSONPath, such as <c>$.connectors[0]</c>.</summary>
    public string Path => ConfigPaths.Index("$.connectors", Index);

    public string ToolPath(string tool) => ConfigPaths.Property(Path + ".tools", tool);

    public string AllowPath(LintTool tool) => ConfigPaths.Index(Path + ".tools_allow", tool.AllowIndex);

    public LintFinding Finding(LintRule rule, string path, string message, string? tool = null) =>
        new(rule, path, message) { Connector = Name, Tool = tool };
}
