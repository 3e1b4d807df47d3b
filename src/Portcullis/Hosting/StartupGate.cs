using Portcullis.Core.Audit;
using Portcullis.Core.Configuration;

namespace Portcullis.Hosting;

/// <summary>
/// Everything that must hold before the gateway listens (the MCP listener and the admin plane alike): the audit
/// trail records the configuration and follows the catalogs from their first build, and every upstream has had its
/// first attempt, so a starting gateway refuses connections instead of answering from a catalog it does not know.
/// </summary>
internal sealed class StartupGate(UpstreamHostedService upstreams, DecisionRecorder recorder, CatalogAuditor catalogs, GatewayConfig config)
{
    /// <summary>Runs the gate; returns the configuration errors that refuse the start, empty when the gateway may listen.</summary>
    public Task<IReadOnlyList<ConfigError>> PassAsync(CancellationToken cancellationToken)
    {
        recorder.Administrative(recorder.Event(AuditKinds.ConfigLoaded, AuditDecisions.Recorded) with
        {
            Detail = $"sha256 {config.SourceSha256}; {config.Connectors.Count} connector(s): {string.Join(", ", config.Connectors.Select(c => c.Server))}",
            Resource = config.Source,
        });
        catalogs.Start();
        return upstreams.StartUpstreamsAsync(cancellationToken);
    }
}
