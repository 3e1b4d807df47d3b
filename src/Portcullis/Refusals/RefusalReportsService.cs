using Portcullis.Core.Audit;

namespace Portcullis.Refusals;

/// <summary>
/// At stop, once Kestrel has answered its last request, logs the refusals whose paced reports were still holding them
/// (malformed requests, sessions over the per-principal limit) and sums up those held by a source's pace, so that none
/// goes unreported; the audit trail's writer, which stops after this, keeps the summaries.
/// </summary>
internal sealed class RefusalReportsService(HttpRefusals refusals, SessionLimitRefusals sessionLimits, RefusalPace pace) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        refusals.StopReports();
        sessionLimits.StopReports();
        pace.Stop();
        return Task.CompletedTask;
    }
}
