using Portcullis.Core.Audit;

namespace Portcullis.Hosting;

/// <summary>
/// Runs the audit trail's writer for the life of the gateway (events recorded by the <see cref="StartupGate"/> wait in
/// its queue). Registered before the upstreams, so stopped after them: the events of the last calls are drained
/// before the process ends.
/// </summary>
internal sealed class AuditWriterService(AuditTrail trail) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() => trail.RunAsync(stoppingToken), CancellationToken.None);
}
