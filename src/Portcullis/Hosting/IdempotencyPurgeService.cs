using Portcullis.Core.Idempotency;

namespace Portcullis.Hosting;

/// <summary>Runs the idempotency purge for the life of the gateway.</summary>
internal sealed class IdempotencyPurgeService(IdempotencyPurger purger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => purger.RunAsync(stoppingToken);
}
