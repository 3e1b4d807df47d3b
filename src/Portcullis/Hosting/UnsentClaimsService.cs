using Portcullis.Core.Idempotency;

namespace Portcullis.Hosting;

/// <summary>Releases, for the life of the gateway, the claims of calls that were never sent (<see cref="UnsentClaims"/>).</summary>
internal sealed class UnsentClaimsService(UnsentClaims claims) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => claims.RunAsync(stoppingToken);
}
