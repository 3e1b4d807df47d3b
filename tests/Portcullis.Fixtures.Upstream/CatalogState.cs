using ModelContextProtocol.Server;

namespace Portcullis.Fixtures.Upstream;

/// <summary>
/// With <c>--catalog-state PATH</c>, the changes made to the tool list are kept in PATH (one a line) and replayed when
/// a fixture starts, so every process of the fixture (the gateway's, <c>portcullis pin</c>'s) offers the same tools.
/// </summary>
internal sealed class CatalogState(string? path)
{
    private readonly Lock _gate = new();

    public void Record(string change)
    {
        if (path is null)
        {
            return;
        }

        lock (_gate)
        {
            File.AppendAllLines(path, [change]);
        }
    }

    /// <summary>Replays the recorded changes on a fresh tool list.</summary>
    public void Apply(McpServerPrimitiveCollection<McpServerTool> tools)
    {
        if (path is null || !File.Exists(path))
        {
            return;
        }

        foreach (var change in File.ReadAllLines(path))
        {
            CatalogTools.Change(tools, change);
        }
    }
}
