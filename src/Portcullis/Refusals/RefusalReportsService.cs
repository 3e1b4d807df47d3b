namespace Portcullis.Refusals;

/// <summary>
/// At stop, once Kestrel has answered its last request, logs the refusals whose paced reports were still holding them
/// (malformed requests, sessions over the per-principal limit), so that none goes unreported.
/// </summary>
internal sealed class RefusalReportsService(HttpRefusals refusals, SessionLimitRefusals sessionLimits) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        refusals.FlushReports();
        sessionLimits.FlushReports();
        return Task.CompletedTask;
    }
}
