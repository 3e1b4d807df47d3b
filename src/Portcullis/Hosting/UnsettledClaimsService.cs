using Portcullis.Core.Idempotency;

namespace Portcullis.Hosting;

/// <summary>Settles, for the life of the gateway, the claims whose release, result or outcome-unknown mark the store did not take (<see cref="UnsettledClaims"/>).</summary>
internal sealed class UnsettledClaimsService(UnsettledClaims claims) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => claims.RunAsync(stoppingToken);
}
