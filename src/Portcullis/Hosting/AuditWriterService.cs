using Portcullis.Core.Audit;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Hosting;

/// <summary>
/// Runs the audit trail's writer for the life of the gateway. Registered before the upstreams so the first catalogs
/// are recorded, and so stopped after them: the events of the last calls are drained before the process ends.
/// </summary>
internal sealed class AuditWriterService(AuditTrail trail, DecisionRecorder recorder, CatalogAuditor catalogs, GatewayConfig config) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        recorder.Administrative(recorder.Event(AuditKinds.ConfigLoaded, AuditDecisions.Recorded) with
        {
            Detail = $"sha256 {config.SourceSha256}; {config.Connectors.Count} connector(s): {string.Join(", ", config.Connectors.Select(c => c.Server))}",
            Resource = config.Source,
        });
        catalogs.Start();
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() => trail.RunAsync(stoppingToken), CancellationToken.None);
}
