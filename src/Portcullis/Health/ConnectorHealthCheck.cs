using System.Text.Json.Nodes;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portcullis.Core.Catalog;
using Portcullis.Core.Connectors;
using Portcullis.Core.Upstreams;

namespace Portcullis.Health;

/// <summary>
/// Readiness of one connector: ready once its catalog is current (the upstream is connected and has listed its
/// tools) and while the upstream answers its pings; otherwise unhealthy, saying why. Tools the catalog withholds are reported, but do not make it unready.
/// </summary>
internal sealed class ConnectorHealthCheck(Connector connector, TimeProvider time) : IHealthCheck
{
    public const string EntryKey = "connector";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = connector.Status;
        var catalog = connector.CatalogState;
        var entry = new JsonObject
        {
            ["ready"] = catalog == CatalogState.Current && status.State != UpstreamState.Unresponsive,
            ["state"] = status.State.ToString().ToLowerInvariant(),
            ["catalog"] = catalog.ToString().ToLowerInvariant(),
            ["restarts"] = status.Restarts,
            ["failed_starts"] = status.FailedStarts,
            ["tools"] = connector.Catalog.Current.Ordered.Count,
        };
        if (status.NextAttemptAt is { } next)
        {
            entry["next_attempt_in_seconds"] = Math.Max(0, Math.Round((next - time.GetUtcNow()).TotalSeconds, 1));
        }

        if (status.LastError is { } error)
        {
            entry["last_error"] = error.ForProbes;
        }

        if (connector.Refusals.Count > 0)
        {
            entry["withheld"] = new JsonArray([.. connector.Refusals.Select(r => (JsonNode)new JsonObject
            {
                ["tool"] = r.Tool,
                ["reason"] = r.Reason,
            })]);
        }

        var reason = Reason(catalog, status, connector.Upstream.ToolsOutdated);
        if (reason is not null)
        {
            entry["reason"] = reason;
        }

        var data = new Dictionary<string, object> { [EntryKey] = entry };
        return Task.FromResult(reason is null ? HealthCheckResult.Healthy(data: data) : HealthCheckResult.Unhealthy(reason, data: data));
    }

    private static string? Reason(CatalogState catalog, UpstreamStatus status, bool toolsOutdated) => catalog switch
    {
        CatalogState.Stale when toolsOutdated =>
            "the upstream announced a change to its tools that could not be listed yet (tried again); tool calls answer upstream_unavailable until it is",
        CatalogState.Current when status.State == UpstreamState.Unresponsive =>
            "the upstream does not answer pings; calls are still sent to it but are likely to time out",
        CatalogState.Current => null,
        CatalogState.Unknown when status.State == UpstreamState.Starting => "the upstream has not answered its first connection attempt yet",
        CatalogState.Unknown => "the upstream has not listed its tools since the gateway started; calls to allowed tools answer upstream_unavailable",
        _ => "the upstream is down; its last tool list is kept and calls answer upstream_unavailable until it is back",
    };
}
