using Portcullis.Core.Catalog;
using Portcullis.Core.Connectors;
using Portcullis.Core.Tools;

namespace Portcullis.Core.Audit;

/// <summary>
/// Records the administrative events of catalogs: what agents may see changed, and which allow-listed tools were
/// withheld and why. A rebuild that changes nothing records nothing.
/// </summary>
/// <remarks>
/// A tool newly withheld for its pin, or because the upstream lists it twice, is also counted (<c>portcullis.pins.withheld</c>).
/// </remarks>
internal sealed class CatalogAuditor(ConnectorRegistry connectors, DecisionRecorder recorder, Diagnostics.GatewayTelemetry telemetry)
{
    public void Start()
    {
        foreach (var connector in connectors.All)
        {
            connector.CatalogChanged += OnCatalogChanged;
        }
    }

    private void OnCatalogChanged(Connector connector, ToolCatalog previous, ToolCatalog current)
    {
        var before = previous.Ordered.ToDictionary(t => t.Name, Signature, StringComparer.Ordinal);
        var after = current.Ordered.ToDictionary(t => t.Name, Signature, StringComparer.Ordinal);
        var added = after.Keys.Where(n => !before.ContainsKey(n)).ToList();
        var removed = before.Keys.Where(n => !after.ContainsKey(n)).ToList();
        var changed = after.Keys.Where(n => before.TryGetValue(n, out var old) && !string.Equals(old, after[n], StringComparison.Ordinal)).ToList();
        if (added.Count + removed.Count + changed.Count > 0)
        {
            var parts = new List<string> { $"{after.Count} tool(s)" };
            Describe(parts, "added", added);
            Describe(parts, "removed", removed);
            Describe(parts, "changed", changed);
            recorder.Administrative(recorder.Event(AuditKinds.CatalogChanged, AuditDecisions.Recorded) with
            {
                Connector = connector.Name,
                Detail = string.Join("; ", parts),
            });
        }

        // A tool listed twice is counted as a prompt or resource listed twice is (Passthrough), pins on or off.
        foreach (var refusal in current.Refusals.Where(r => (r.AwaitsReview || r.Kind == CatalogRefusalKind.ListedTwice) && !previous.Refusals.Contains(r)))
        {
            telemetry.PinWithheld(connector.Name, "tool", refusal.Tool, refusal.Reason);
        }

        foreach (var (tool, reason) in Refusals(current).Where(r => !Refusals(previous).Contains(r)))
        {
            recorder.Administrative(recorder.Event(AuditKinds.ToolRefused, AuditDecisions.Refused) with
            {
                Connector = connector.Name,
                Tool = tool,
                Detail = reason,
            });
        }
    }

    private static string Signature(GatewayTool tool) =>
        tool.Exposed.InputSchema.GetRawText() + "\u001f" + (tool.Exposed.OutputSchema?.GetRawText() ?? "") + "\u001f" + tool.ReadOnly;

    private static void Describe(List<string> parts, string what, List<string> names)
    {
        if (names.Count > 0)
        {
            parts.Add($"{what}: {string.Join(", ", names)}");
        }
    }

    private static HashSet<(string Tool, string Reason)> Refusals(ToolCatalog catalog) =>
        [.. catalog.Refusals.Select(r => (r.Tool, r.Message))];
}
